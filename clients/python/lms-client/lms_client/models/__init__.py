"""Contains all the data models used in inputs/outputs"""

from .access_patch import AccessPatch
from .add_course_request import AddCourseRequest
from .answer_input import AnswerInput
from .class_response import ClassResponse
from .course_list_item import CourseListItem
from .course_page import CoursePage
from .course_response import CourseResponse
from .course_response_metadata import CourseResponseMetadata
from .course_status_dto import CourseStatusDto
from .create_class_request import CreateClassRequest
from .create_course_request import CreateCourseRequest
from .create_course_request_metadata import CreateCourseRequestMetadata
from .create_lesson_request import CreateLessonRequest
from .create_webhook_request import CreateWebhookRequest
from .dead_letter_page import DeadLetterPage
from .dead_letter_response import DeadLetterResponse
from .dependency_health import DependencyHealth
from .difficulty_dto import DifficultyDto
from .enrollment_page import EnrollmentPage
from .enrollment_response import EnrollmentResponse
from .enrollment_status_dto import EnrollmentStatusDto
from .error_body import ErrorBody
from .error_details import ErrorDetails
from .error_envelope import ErrorEnvelope
from .field_error_detail import FieldErrorDetail
from .health_report import HealthReport
from .health_status import HealthStatus
from .lesson_kind_dto import LessonKindDto
from .lesson_progress_dto import LessonProgressDto
from .lesson_response import LessonResponse
from .lesson_state_dto import LessonStateDto
from .lesson_summary import LessonSummary
from .lesson_view_response import LessonViewResponse
from .liveness import Liveness
from .login_request import LoginRequest
from .password_reset_confirm import PasswordResetConfirm
from .password_reset_request import PasswordResetRequest
from .price_dto import PriceDto
from .progress_response import ProgressResponse
from .progress_update_response import ProgressUpdateResponse
from .question_input import QuestionInput
from .question_kind_dto import QuestionKindDto
from .question_result import QuestionResult
from .question_view import QuestionView
from .quiz_attempt_request import QuizAttemptRequest
from .quiz_input import QuizInput
from .quiz_view import QuizView
from .refresh_request import RefreshRequest
from .register_request import RegisterRequest
from .reorder_request import ReorderRequest
from .replay_response import ReplayResponse
from .role_dto import RoleDto
from .text_input import TextInput
from .text_view import TextView
from .token_response import TokenResponse
from .unmet_dto import UnmetDto
from .unmet_kind_dto import UnmetKindDto
from .update_course_request import UpdateCourseRequest
from .update_course_request_metadata import UpdateCourseRequestMetadata
from .update_lesson_request import UpdateLessonRequest
from .update_webhook_request import UpdateWebhookRequest
from .user_response import UserResponse
from .video_input import VideoInput
from .video_progress_request import VideoProgressRequest
from .video_view import VideoView
from .webhook_attempt_page import WebhookAttemptPage
from .webhook_attempt_response import WebhookAttemptResponse
from .webhook_page import WebhookPage
from .webhook_response import WebhookResponse

__all__ = (
    "AccessPatch",
    "AddCourseRequest",
    "AnswerInput",
    "ClassResponse",
    "CourseListItem",
    "CoursePage",
    "CourseResponse",
    "CourseResponseMetadata",
    "CourseStatusDto",
    "CreateClassRequest",
    "CreateCourseRequest",
    "CreateCourseRequestMetadata",
    "CreateLessonRequest",
    "CreateWebhookRequest",
    "DeadLetterPage",
    "DeadLetterResponse",
    "DependencyHealth",
    "DifficultyDto",
    "EnrollmentPage",
    "EnrollmentResponse",
    "EnrollmentStatusDto",
    "ErrorBody",
    "ErrorDetails",
    "ErrorEnvelope",
    "FieldErrorDetail",
    "HealthReport",
    "HealthStatus",
    "LessonKindDto",
    "LessonProgressDto",
    "LessonResponse",
    "LessonStateDto",
    "LessonSummary",
    "LessonViewResponse",
    "Liveness",
    "LoginRequest",
    "PasswordResetConfirm",
    "PasswordResetRequest",
    "PriceDto",
    "ProgressResponse",
    "ProgressUpdateResponse",
    "QuestionInput",
    "QuestionKindDto",
    "QuestionResult",
    "QuestionView",
    "QuizAttemptRequest",
    "QuizInput",
    "QuizView",
    "RefreshRequest",
    "RegisterRequest",
    "ReorderRequest",
    "ReplayResponse",
    "RoleDto",
    "TextInput",
    "TextView",
    "TokenResponse",
    "UnmetDto",
    "UnmetKindDto",
    "UpdateCourseRequest",
    "UpdateCourseRequestMetadata",
    "UpdateLessonRequest",
    "UpdateWebhookRequest",
    "UserResponse",
    "VideoInput",
    "VideoProgressRequest",
    "VideoView",
    "WebhookAttemptPage",
    "WebhookAttemptResponse",
    "WebhookPage",
    "WebhookResponse",
)
