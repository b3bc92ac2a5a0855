"""Contains all the data models used in inputs/outputs"""

from .access_patch import AccessPatch
from .add_course_request import AddCourseRequest
from .alert_rule_response import AlertRuleResponse
from .answer_input import AnswerInput
from .audit_entry_response import AuditEntryResponse
from .audit_entry_response_details import AuditEntryResponseDetails
from .audit_page_response import AuditPageResponse
from .business_day_response import BusinessDayResponse
from .card_field_response import CardFieldResponse
from .card_page import CardPage
from .card_response import CardResponse
from .certificate_response import CertificateResponse
from .checkout_request import CheckoutRequest
from .checkout_response import CheckoutResponse
from .class_response import ClassResponse
from .comparison_name import ComparisonName
from .component_name import ComponentName
from .component_status_response import ComponentStatusResponse
from .consent_change_response import ConsentChangeResponse
from .consent_purpose import ConsentPurpose
from .consent_request import ConsentRequest
from .consent_response import ConsentResponse
from .consents_response import ConsentsResponse
from .course_analytics_response import CourseAnalyticsResponse
from .course_list_item import CourseListItem
from .course_page import CoursePage
from .course_response import CourseResponse
from .course_response_metadata import CourseResponseMetadata
from .course_status_dto import CourseStatusDto
from .create_alert_rule_request import CreateAlertRuleRequest
from .create_card_request import CreateCardRequest
from .create_class_request import CreateClassRequest
from .create_course_request import CreateCourseRequest
from .create_course_request_metadata import CreateCourseRequestMetadata
from .create_deck_request import CreateDeckRequest
from .create_lesson_request import CreateLessonRequest
from .create_plan_request import CreatePlanRequest
from .create_webhook_request import CreateWebhookRequest
from .creator_revenue_report import CreatorRevenueReport
from .creator_revenue_row_response import CreatorRevenueRowResponse
from .dead_letter_page import DeadLetterPage
from .dead_letter_response import DeadLetterResponse
from .deck_analytics_response import DeckAnalyticsResponse
from .deck_document import DeckDocument
from .deck_response import DeckResponse
from .deck_stats_response import DeckStatsResponse
from .dependency_health import DependencyHealth
from .difficulty_dto import DifficultyDto
from .document_card import DocumentCard
from .document_field import DocumentField
from .document_media import DocumentMedia
from .document_note_type import DocumentNoteType
from .document_review import DocumentReview
from .document_template import DocumentTemplate
from .download_link_response import DownloadLinkResponse
from .due_card_response import DueCardResponse
from .due_response import DueResponse
from .enrollment_page import EnrollmentPage
from .enrollment_response import EnrollmentResponse
from .enrollment_source_dto import EnrollmentSourceDto
from .enrollment_status_dto import EnrollmentStatusDto
from .erasure_confirmation import ErasureConfirmation
from .erasure_response import ErasureResponse
from .erasure_status_view import ErasureStatusView
from .error_body import ErrorBody
from .error_details import ErrorDetails
from .error_envelope import ErrorEnvelope
from .export_format import ExportFormat
from .field_error_detail import FieldErrorDetail
from .flashcards_input import FlashcardsInput
from .flashcards_view import FlashcardsView
from .funnel_step_response import FunnelStepResponse
from .health_breakdown import HealthBreakdown
from .health_name import HealthName
from .health_report import HealthReport
from .health_status import HealthStatus
from .import_deck_files_body import ImportDeckFilesBody
from .import_response import ImportResponse
from .incident_response import IncidentResponse
from .incident_status_name import IncidentStatusName
from .learner_study_response import LearnerStudyResponse
from .lesson_kind_dto import LessonKindDto
from .lesson_progress_dto import LessonProgressDto
from .lesson_response import LessonResponse
from .lesson_state_dto import LessonStateDto
from .lesson_summary import LessonSummary
from .lesson_view_response import LessonViewResponse
from .liveness import Liveness
from .login_request import LoginRequest
from .metric_name import MetricName
from .mrr_report import MrrReport
from .mrr_row_response import MrrRowResponse
from .optimization_response import OptimizationResponse
from .order_page import OrderPage
from .order_response import OrderResponse
from .overview_response import OverviewResponse
from .password_reset_confirm import PasswordResetConfirm
from .password_reset_request import PasswordResetRequest
from .payment_failure_response import PaymentFailureResponse
from .performance_response import PerformanceResponse
from .performance_window import PerformanceWindow
from .plan_interval import PlanInterval
from .plan_page import PlanPage
from .plan_response import PlanResponse
from .price_dto import PriceDto
from .profile_request import ProfileRequest
from .progress_response import ProgressResponse
from .progress_update_response import ProgressUpdateResponse
from .public_key_response import PublicKeyResponse
from .quality_answer import QualityAnswer
from .question_input import QuestionInput
from .question_kind_dto import QuestionKindDto
from .question_result import QuestionResult
from .question_stats_response import QuestionStatsResponse
from .question_view import QuestionView
from .quiz_attempt_request import QuizAttemptRequest
from .quiz_input import QuizInput
from .quiz_view import QuizView
from .rating_answer import RatingAnswer
from .rating_name import RatingName
from .refresh_request import RefreshRequest
from .refund_request import RefundRequest
from .refund_response import RefundResponse
from .register_request import RegisterRequest
from .reorder_request import ReorderRequest
from .replay_response import ReplayResponse
from .report_format import ReportFormat
from .review_response import ReviewResponse
from .role_dto import RoleDto
from .route_performance import RoutePerformance
from .sales_report import SalesReport
from .sales_row_response import SalesRowResponse
from .scheduler_name import SchedulerName
from .severity_name import SeverityName
from .skipped_note import SkippedNote
from .status_response import StatusResponse
from .study_day_response import StudyDayResponse
from .study_state_name import StudyStateName
from .study_week_response import StudyWeekResponse
from .subscribe_request import SubscribeRequest
from .subscription_response import SubscriptionResponse
from .text_input import TextInput
from .text_view import TextView
from .token_response import TokenResponse
from .unmet_dto import UnmetDto
from .unmet_kind_dto import UnmetKindDto
from .update_alert_rule_request import UpdateAlertRuleRequest
from .update_class_request import UpdateClassRequest
from .update_course_request import UpdateCourseRequest
from .update_course_request_metadata import UpdateCourseRequestMetadata
from .update_deck_request import UpdateDeckRequest
from .update_lesson_request import UpdateLessonRequest
from .update_webhook_request import UpdateWebhookRequest
from .uptime_response import UptimeResponse
from .user_response import UserResponse
from .video_input import VideoInput
from .video_progress_request import VideoProgressRequest
from .video_view import VideoView
from .webhook_attempt_page import WebhookAttemptPage
from .webhook_attempt_response import WebhookAttemptResponse
from .webhook_page import WebhookPage
from .webhook_receipt import WebhookReceipt
from .webhook_response import WebhookResponse
from .week_activity_response import WeekActivityResponse

__all__ = (
    "AccessPatch",
    "AddCourseRequest",
    "AlertRuleResponse",
    "AnswerInput",
    "AuditEntryResponse",
    "AuditEntryResponseDetails",
    "AuditPageResponse",
    "BusinessDayResponse",
    "CardFieldResponse",
    "CardPage",
    "CardResponse",
    "CertificateResponse",
    "CheckoutRequest",
    "CheckoutResponse",
    "ClassResponse",
    "ComparisonName",
    "ComponentName",
    "ComponentStatusResponse",
    "ConsentChangeResponse",
    "ConsentPurpose",
    "ConsentRequest",
    "ConsentResponse",
    "ConsentsResponse",
    "CourseAnalyticsResponse",
    "CourseListItem",
    "CoursePage",
    "CourseResponse",
    "CourseResponseMetadata",
    "CourseStatusDto",
    "CreateAlertRuleRequest",
    "CreateCardRequest",
    "CreateClassRequest",
    "CreateCourseRequest",
    "CreateCourseRequestMetadata",
    "CreateDeckRequest",
    "CreateLessonRequest",
    "CreatePlanRequest",
    "CreateWebhookRequest",
    "CreatorRevenueReport",
    "CreatorRevenueRowResponse",
    "DeadLetterPage",
    "DeadLetterResponse",
    "DeckAnalyticsResponse",
    "DeckDocument",
    "DeckResponse",
    "DeckStatsResponse",
    "DependencyHealth",
    "DifficultyDto",
    "DocumentCard",
    "DocumentField",
    "DocumentMedia",
    "DocumentNoteType",
    "DocumentReview",
    "DocumentTemplate",
    "DownloadLinkResponse",
    "DueCardResponse",
    "DueResponse",
    "EnrollmentPage",
    "EnrollmentResponse",
    "EnrollmentSourceDto",
    "EnrollmentStatusDto",
    "ErasureConfirmation",
    "ErasureResponse",
    "ErasureStatusView",
    "ErrorBody",
    "ErrorDetails",
    "ErrorEnvelope",
    "ExportFormat",
    "FieldErrorDetail",
    "FlashcardsInput",
    "FlashcardsView",
    "FunnelStepResponse",
    "HealthBreakdown",
    "HealthName",
    "HealthReport",
    "HealthStatus",
    "ImportDeckFilesBody",
    "ImportResponse",
    "IncidentResponse",
    "IncidentStatusName",
    "LearnerStudyResponse",
    "LessonKindDto",
    "LessonProgressDto",
    "LessonResponse",
    "LessonStateDto",
    "LessonSummary",
    "LessonViewResponse",
    "Liveness",
    "LoginRequest",
    "MetricName",
    "MrrReport",
    "MrrRowResponse",
    "OptimizationResponse",
    "OrderPage",
    "OrderResponse",
    "OverviewResponse",
    "PasswordResetConfirm",
    "PasswordResetRequest",
    "PaymentFailureResponse",
    "PerformanceResponse",
    "PerformanceWindow",
    "PlanInterval",
    "PlanPage",
    "PlanResponse",
    "PriceDto",
    "ProfileRequest",
    "ProgressResponse",
    "ProgressUpdateResponse",
    "PublicKeyResponse",
    "QualityAnswer",
    "QuestionInput",
    "QuestionKindDto",
    "QuestionResult",
    "QuestionStatsResponse",
    "QuestionView",
    "QuizAttemptRequest",
    "QuizInput",
    "QuizView",
    "RatingAnswer",
    "RatingName",
    "RefreshRequest",
    "RefundRequest",
    "RefundResponse",
    "RegisterRequest",
    "ReorderRequest",
    "ReplayResponse",
    "ReportFormat",
    "ReviewResponse",
    "RoleDto",
    "RoutePerformance",
    "SalesReport",
    "SalesRowResponse",
    "SchedulerName",
    "SeverityName",
    "SkippedNote",
    "StatusResponse",
    "StudyDayResponse",
    "StudyStateName",
    "StudyWeekResponse",
    "SubscribeRequest",
    "SubscriptionResponse",
    "TextInput",
    "TextView",
    "TokenResponse",
    "UnmetDto",
    "UnmetKindDto",
    "UpdateAlertRuleRequest",
    "UpdateClassRequest",
    "UpdateCourseRequest",
    "UpdateCourseRequestMetadata",
    "UpdateDeckRequest",
    "UpdateLessonRequest",
    "UpdateWebhookRequest",
    "UptimeResponse",
    "UserResponse",
    "VideoInput",
    "VideoProgressRequest",
    "VideoView",
    "WebhookAttemptPage",
    "WebhookAttemptResponse",
    "WebhookPage",
    "WebhookReceipt",
    "WebhookResponse",
    "WeekActivityResponse",
)
