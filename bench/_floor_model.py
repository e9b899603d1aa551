"""The one mapped class of bench/_person_baselines.py's floor: the console's user table, read the
way the guide asks (SQLAlchemy 2.0, typed `Mapped[...]`, `select()`). Imported in the floor's
thread, so its imports are part of what the floor pays after its first frame."""

from __future__ import annotations

from sqlalchemy import create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "erp_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str]
    full_name: Mapped[str]
    status: Mapped[str]


def first_users(url: str, limit: int = 200) -> list[tuple[int, str, str, str]]:
    with Session(create_engine(url)) as session:
        users = session.scalars(select(User).order_by(User.login).limit(limit)).all()
        return [(u.id, u.login, u.full_name, u.status) for u in users]
