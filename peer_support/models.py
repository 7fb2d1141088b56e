"""Every feature's models, imported once so that the metadata (and Alembic) knows all tables."""
from peer_support.audit.models import AuditEntry, AuditRedaction  # noqa: F401
from peer_support.auth.models import Account, AuthSession, LoginAttempt, RecoveryCode  # noqa: F401
from peer_support.calendars.models import CalendarFeed  # noqa: F401
from peer_support.feedback.models import (FeedbackAnswer, FeedbackForm, FeedbackInvitation,  # noqa: F401
                                          FeedbackResponse, FormQuestion, FormVersion)
from peer_support.meetings.models import LastMeeting, Meeting, MeetingParticipant, MeetingTopic  # noqa: F401
# The session hook that keeps last_meeting as meetings change: registered wherever the models are.
import peer_support.meetings.last_meetings  # noqa: F401,E402
from peer_support.nudges.models import JobLock, Nudge, NudgeThreshold  # noqa: F401
from peer_support.people.models import AccountInvitation, PeerWorkInterest, ServiceUser  # noqa: F401
from peer_support.operations.models import JobRun  # noqa: F401
from peer_support.peers.models import Absence, LivedExperienceDomain, PeerDomain, PeerProfile, PresenceSlot  # noqa: F401
from peer_support.privacy.models import DataProtectionSettings  # noqa: F401
from peer_support.referrals.models import InformationPage, Referral, ReferralEvent  # noqa: F401
from peer_support.reports.models import ContactGapMonth  # noqa: F401
from peer_support.research.models import AnswerRedaction, ConsentText, ResearchConsent, ResearchStudy  # noqa: F401
from peer_support.rooms.models import Room, RoomClosure  # noqa: F401
from peer_support.supervision.models import DebriefRequest, SupervisionSession  # noqa: F401
from peer_support.training.models import ProgrammeRequirements, TrainingProgramme, TrainingRecord  # noqa: F401
from peer_support.units.models import Unit  # noqa: F401
