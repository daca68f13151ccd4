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
