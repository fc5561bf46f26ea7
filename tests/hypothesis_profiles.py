"""Hypothesis profiles for the form fuzzing suite (tests/test_fuzz.py).

``fuzz`` is the default: a few dozen examples per form, so the whole file stays near a minute per
database in ``make test``. ``long`` runs thousands per form; ``smoke`` a handful, for a quick
look while editing. Choose with ``FUZZ_PROFILE=long`` (``FUZZ_EXAMPLES=N`` sets the count
directly), or with Hypothesis's own ``--hypothesis-profile=long`` when this module is loaded as
a plugin before the option is read: ``pytest -p tests.hypothesis_profiles
--hypothesis-profile=long tests/test_fuzz.py``.
"""

import os

from hypothesis import HealthCheck, Phase, settings

PROFILES = ("fuzz", "long", "smoke")

_COMMON = {
    # One request plus a few queries per example; the time varies with the database.
    "deadline": None,
    # Examples are deliberately large (100 000-character values) and each builds state.
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large,
                              HealthCheck.large_base_example, HealthCheck.filter_too_much],
    "print_blob": True,
}

settings.register_profile("fuzz", max_examples=50, **_COMMON)
settings.register_profile("long", max_examples=3000, **_COMMON)
settings.register_profile(
    "smoke", max_examples=5, phases=[Phase.explicit, Phase.reuse, Phase.generate], **_COMMON)


def _profile_name() -> str:
    chosen = os.environ.get("FUZZ_PROFILE")
    if chosen:
        if chosen not in PROFILES:
            raise ValueError(f"FUZZ_PROFILE must be one of {', '.join(PROFILES)}, not {chosen!r}")
        return chosen
    current = settings.get_current_profile_name()
    # "default" and Hypothesis's automatic "ci" profile mean nobody chose: use the CI budget.
    return current if current in PROFILES else "fuzz"


def fuzz_settings(scale: float = 1.0) -> settings:
    """The settings of the chosen profile; ``scale`` weights a form's share of the examples."""
    profile = settings.get_profile(_profile_name())
    examples = int(os.environ.get("FUZZ_EXAMPLES") or 0) or profile.max_examples
    return settings(profile, max_examples=max(1, round(examples * scale)))
