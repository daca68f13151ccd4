"""HTTP routes for how people are paged: contact methods, notification rules, teams."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from opsroom.api.deps import ContainerDep, UserDep
from opsroom.api.params import RowId
from opsroom.bootstrap import Container
from opsroom.errors import NotFoundError
from opsroom.schemas import Items
from opsroom.user import contacts
from opsroom.user.permissions import require_self_or_admin
from opsroom.user.schemas import ContactCreate, ContactRead, RuleRead, RulesUpdate, TeamRead

router = APIRouter(prefix="/api/v1", tags=["users"])


def _contacts(container: Container, name: str) -> Items[ContactRead]:
    with container.uow() as uow:
        if not contacts.known_user(uow, container.ctx, name):
            raise NotFoundError(f"no user named {name!r}")
        found = contacts.contacts_of(uow, container.ctx, name)
    return Items[ContactRead](
        items=[ContactRead(id=c.id, kind=c.kind, address=c.address, source=c.source) for c in found]
    )


@router.get("/users/{name}/contact-methods")
async def list_contacts(name: str, container: ContainerDep, user: UserDep) -> Items[ContactRead]:
    """Every way to reach the person: opsroom.yaml's and those added by CLI or API."""
    return await run_in_threadpool(_contacts, container, name)


@router.post("/users/{name}/contact-methods", status_code=201)
async def add_contact(
    name: str, body: ContactCreate, container: ContainerDep, user: UserDep
) -> ContactRead:
    """Add a way to reach `name` (only `name` or an admin may)."""
    require_self_or_admin(user, name, "contact methods")

    def add() -> ContactRead:
        with container.uow() as uow:
            row = contacts.add_contact(
                uow, container.ctx, user=name, kind=body.kind, address=body.address
            )
            uow.commit()
            return ContactRead(id=row.id, kind=row.kind, address=row.address, source="api")

    return await run_in_threadpool(add)


@router.delete("/users/{name}/contact-methods/{contact_id}", status_code=204)
async def remove_contact(
    name: str, contact_id: RowId, container: ContainerDep, user: UserDep
) -> None:
    require_self_or_admin(user, name, "contact methods")

    def remove() -> None:
        with container.uow() as uow:
            contacts.remove_contact(uow, container.ctx, user=name, contact_id=contact_id)
            uow.commit()

    await run_in_threadpool(remove)


def _rules(container: Container, name: str) -> Items[RuleRead]:
    with container.uow() as uow:
        if not contacts.known_user(uow, container.ctx, name):
            raise NotFoundError(f"no user named {name!r}")
        found = contacts.contacts_of(uow, container.ctx, name)
        rules = contacts.rules_of(uow, container.ctx, name, found)
    return Items[RuleRead](
        items=[RuleRead(kind=r.kind, after_seconds=int(r.after.total_seconds())) for r in rules]
    )


@router.get("/users/{name}/notification-rules")
async def list_rules(name: str, container: ContainerDep, user: UserDep) -> Items[RuleRead]:
    """The rules in force: the API's, else opsroom.yaml's, else every contact method at once."""
    return await run_in_threadpool(_rules, container, name)


@router.put("/users/{name}/notification-rules")
async def set_rules(
    name: str, body: RulesUpdate, container: ContainerDep, user: UserDep
) -> Items[RuleRead]:
    """Replace `name`'s notification rules (only `name` or an admin may)."""
    require_self_or_admin(user, name, "notification rules")

    def update() -> None:
        with container.uow() as uow:
            rules = [contacts.Rule(item.kind, item.after) for item in body.rules]
            contacts.set_rules(uow, container.ctx, user=name, rules=rules)
            uow.commit()

    await run_in_threadpool(update)
    return await run_in_threadpool(_rules, container, name)


@router.get("/teams")
async def list_teams(container: ContainerDep, user: UserDep) -> Items[TeamRead]:
    return Items[TeamRead](
        items=[TeamRead(name=t.name, members=t.members) for t in container.settings.teams]
    )
