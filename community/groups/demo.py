"""Demo content hooks: apps above groups add their demo data to `seed_demo`.

groups may not import the forum or chat, so each of them registers a seeder in its
AppConfig.ready(); `seed_demo` calls them after creating the groups and accounts.
"""

from collections.abc import Callable

DemoSeeder = Callable[[dict, dict], None]  # (groups by slug, users by e-mail) -> None
_seeders: list[DemoSeeder] = []


def register_demo_seeder(seeder: DemoSeeder) -> None:
    """Add a function that creates an app's demo content (it must be idempotent)."""
    if seeder not in _seeders:
        _seeders.append(seeder)


def run_demo_seeders(groups: dict, users: dict) -> None:
    """Let every registered app add its demo content."""
    for seeder in _seeders:
        seeder(groups, users)
