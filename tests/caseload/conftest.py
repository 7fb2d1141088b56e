from tests.meetings.conftest import accompany, make_meeting, make_profile, new_person, new_referral, units  # noqa: F401
