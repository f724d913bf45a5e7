"""The hypothesis settings the property tests share: reproducible (derandomize, no example
database), so a CI failure replays on any machine, and no deadline, since the parsers and
archives under test are slow next to hypothesis's default budget."""

from hypothesis import HealthCheck, settings


def property_settings(max_examples: int) -> settings:
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
