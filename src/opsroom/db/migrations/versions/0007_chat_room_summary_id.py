"""chat room summary message id

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 08:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The platform's id of the room's summary message ("?" while a post may have reached
    # the platform unanswered): a retry adopts it instead of posting a second summary, and
    # changes of status, severity or commander edit it.
    with op.batch_alter_table("chat_rooms", schema=None) as batch_op:
        batch_op.add_column(sa.Column("summary_id", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chat_rooms", schema=None) as batch_op:
        batch_op.drop_column("summary_id")
