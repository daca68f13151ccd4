"""Matrix against a real Synapse: a room our create made although its answer never came back
is adopted by the retry (the homeserver says the alias is in use), not opened again as `-2`."""

from __future__ import annotations

from opsroom.bootstrap import Container
from tests.e2e.synapse import SERVER_NAME
from tests.integration.chat.matrix_driver import MatrixDriver
from tests.integration.chat.test_matrix import declare, prefix, resolve_alias


def test_room_made_by_an_unanswered_create_is_adopted(
    matrix_driver: MatrixDriver, matrix_container: Container
) -> None:
    declare(matrix_container, "Checkout")
    with matrix_container.uow() as uow:
        adapter = matrix_container.ctx.chat.get("matrix").adapter(uow)
    # What the first attempt did on the homeserver before its answer was lost.
    made = adapter.create_room("inc-1-checkout", "INC-1", incident_number=1)
    matrix_container.worker().drain()
    with matrix_container.uow() as uow:
        row = uow.chat.room_on(1, "matrix")
        assert row is not None
        assert (row.name, row.room_id, row.status) == ("inc-1-checkout", made.id, "created")
    assert resolve_alias(matrix_driver, f"#{prefix(matrix_container)}inc-1-checkout:{SERVER_NAME}")
    missing = matrix_driver.bot.get(
        f"/directory/room/%23{prefix(matrix_container)}inc-1-checkout-2%3A{SERVER_NAME}"
    )
    assert missing.status_code == 404
    assert any("INC-1: Checkout" in m for m in matrix_driver.messages(made.id))


def test_summary_sent_by_an_unanswered_retry_is_adopted_not_sent_twice(
    matrix_driver: MatrixDriver, matrix_container: Container
) -> None:
    from opsroom.chat import outbox, render
    from opsroom.chat.tables import SUMMARY_SENDING

    declare(matrix_container, "Checkout")
    matrix_container.worker().drain()
    room = matrix_driver.room_of(1)
    [sent] = [m for m in matrix_driver.messages(room) if m.startswith("INC-1: Checkout")]
    with matrix_container.uow() as uow:  # the summary's send again, its answer lost before
        row = uow.chat.room_on(1, "matrix")
        incident = uow.incidents.by_number(1)
        assert row is not None and incident is not None
        first_id, row.summary_id = row.summary_id, SUMMARY_SENDING
        summary = render.incident_summary(incident, [], [])
        outbox.post(uow, matrix_container.ctx, "matrix", summary, room=row.id, summary=True)
        uow.commit()
    matrix_container.worker().drain()
    assert [m for m in matrix_driver.messages(room) if m.startswith("INC-1: Checkout")] == [sent]
    with matrix_container.uow() as uow:
        row = uow.chat.room_on(1, "matrix")
        assert row is not None and row.summary_id == first_id
