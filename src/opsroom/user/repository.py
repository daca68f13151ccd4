"""Persistence of users and API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from opsroom.user.tables import ApiTokenRow, ContactMethodRow, NotificationRuleRow, UserRow


class UserRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get_by_name(self, name: str) -> UserRow | None:
        return self._session.scalar(select(UserRow).where(UserRow.name == name))

    def get(self, user_id: int) -> UserRow | None:
        return self._session.get(UserRow, user_id)

    def add(self, user: UserRow) -> UserRow:
        self._session.add(user)
        self._session.flush()
        return user

    def count(self) -> int:
        return self._session.scalar(select(func.count()).select_from(UserRow)) or 0

    def add_token(self, token: ApiTokenRow) -> None:
        self._session.add(token)
        self._session.flush()

    def user_for_token(self, token_hash: str, now: datetime) -> UserRow | None:
        token = self._session.scalar(
            select(ApiTokenRow).where(ApiTokenRow.token_hash == token_hash)
        )
        if token is None:
            return None
        token.last_used_at = now
        return self._session.get(UserRow, token.user_id)

    def contact_methods(self, user_id: int) -> list[ContactMethodRow]:
        return list(
            self._session.scalars(
                select(ContactMethodRow)
                .where(ContactMethodRow.user_id == user_id)
                .order_by(ContactMethodRow.id)
            )
        )

    def add_contact_method(self, row: ContactMethodRow) -> ContactMethodRow:
        self._session.add(row)
        self._session.flush()
        return row

    def delete_contact_method(self, row: ContactMethodRow) -> None:
        self._session.delete(row)
        self._session.flush()

    def users_with_address(self, kind: str, address: str) -> list[str]:
        rows = self._session.scalars(
            select(UserRow.name)
            .join(ContactMethodRow, ContactMethodRow.user_id == UserRow.id)
            .where(ContactMethodRow.kind == kind, ContactMethodRow.address == address)
        )
        return list(rows)

    def notification_rules(self, user_id: int) -> list[NotificationRuleRow]:
        return list(
            self._session.scalars(
                select(NotificationRuleRow)
                .where(NotificationRuleRow.user_id == user_id)
                .order_by(NotificationRuleRow.delay_seconds, NotificationRuleRow.id)
            )
        )

    def replace_notification_rules(self, user_id: int, rules: list[NotificationRuleRow]) -> None:
        for row in self.notification_rules(user_id):
            self._session.delete(row)
        self._session.flush()
        self._session.add_all(rules)
        self._session.flush()
