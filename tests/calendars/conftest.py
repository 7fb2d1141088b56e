from tests.rooms.conftest import (accompany, as_, domains, make_meeting, make_profile, make_room, new_person,  # noqa: F401
                                  new_referral, people, topics, units)
