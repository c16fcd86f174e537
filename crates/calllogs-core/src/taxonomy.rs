//! The hangup-cause taxonomy: one table of causes (the cause list of SuperU's
//! call-log document, which is Plivo's hangup-cause list), grouped into ten
//! categories, with Plivo codes, Q.850 causes and SIP responses where they fit.
//!
//! Everything about a cause — its identifier, its name in the table, its
//! category, description and codes — comes from the single `causes!` table
//! below, so the lookups cannot drift apart. Other vocabularies (FreeSWITCH /
//! Q.850 names, voice-AI end reasons) are mapped onto the causes by the
//! [`ALIASES`] table.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The ten categories of the taxonomy, plus [`Category::Other`] for
/// [`HangupCause::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Category {
    /// The call ended the way calls end: someone hung up.
    NormalCompletion,
    /// The call was canceled before it was answered.
    Canceled,
    /// The destination could not be reached.
    DestinationIssue,
    /// The called party did not take the call.
    CallRejection,
    /// The carrier failed.
    CarrierError,
    /// The platform failed.
    SystemError,
    /// A timer ended the call.
    Timeout,
    /// The application's callback URL failed.
    UrlError,
    /// The application's XML was invalid.
    XmlError,
    /// Lost races, answering machines, confirm-key failures.
    SpecialCase,
    /// A reason that fits no category.
    Other,
}

impl Category {
    /// Every category, in the table's order.
    pub const ALL: &'static [Category] = &[
        Category::NormalCompletion,
        Category::Canceled,
        Category::DestinationIssue,
        Category::CallRejection,
        Category::CarrierError,
        Category::SystemError,
        Category::Timeout,
        Category::UrlError,
        Category::XmlError,
        Category::SpecialCase,
        Category::Other,
    ];

    /// The snake_case identifier (`normal_completion`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Category::NormalCompletion => "normal_completion",
            Category::Canceled => "canceled",
            Category::DestinationIssue => "destination_issue",
            Category::CallRejection => "call_rejection",
            Category::CarrierError => "carrier_error",
            Category::SystemError => "system_error",
            Category::Timeout => "timeout",
            Category::UrlError => "url_error",
            Category::XmlError => "xml_error",
            Category::SpecialCase => "special_case",
            Category::Other => "other",
        }
    }

    /// The heading of the category in the document's table.
    pub fn title(self) -> &'static str {
        match self {
            Category::NormalCompletion => "Normal Completions",
            Category::Canceled => "Canceled Calls",
            Category::DestinationIssue => "Destination Issues",
            Category::CallRejection => "Call Rejections",
            Category::CarrierError => "Carrier Errors",
            Category::SystemError => "System Errors",
            Category::Timeout => "Timeouts",
            Category::UrlError => "URL Errors",
            Category::XmlError => "XML Errors",
            Category::SpecialCase => "Special Cases",
            Category::Other => "Other",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Category {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let k = key(s);
        Category::ALL
            .iter()
            .copied()
            .find(|c| key(c.as_str()) == k || key(c.title()) == k)
            .ok_or_else(|| UnknownName(s.to_string()))
    }
}

/// A name that is not in the taxonomy (returned by the strict parsers).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown name {0:?}")]
pub struct UnknownName(pub String);

macro_rules! causes {
    ($(
        $variant:ident = $id:literal, $name:literal, $cat:ident, $desc:literal, $meaning:literal,
            plivo $plivo:expr, q850 $q850:expr, sip $sip:expr;
    )*) => {
        /// One hangup cause of the taxonomy.
        ///
        /// Parse provider words with [`HangupCause::lookup`] (or the infallible
        /// `From<&str>`, which gives [`HangupCause::Other`] for anything
        /// unknown); parse the snake_case identifiers strictly with `FromStr`.
        ///
        /// ```
        /// use calllogs_core::{Category, HangupCause};
        /// let c = HangupCause::from("Forbiddden");
        /// assert_eq!(c, HangupCause::Forbidden);
        /// assert_eq!(c.as_str(), "forbidden");
        /// assert_eq!(c.category(), Category::CallRejection);
        /// assert_eq!(HangupCause::from_plivo_code(8011), Some(HangupCause::InvalidAnswerXml));
        /// assert_eq!(HangupCause::from("something new"), HangupCause::Other);
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum HangupCause {
            $(
                #[doc = $meaning]
                $variant,
            )*
            /// Nothing in the taxonomy fits; the provider's words are kept in
            /// [`crate::Hangup::provider_reason`].
            Other,
        }

        impl HangupCause {
            /// Every cause of the table (not [`HangupCause::Other`]), in the table's order.
            pub const ALL: &'static [HangupCause] = &[$(HangupCause::$variant,)*];

            /// The snake_case identifier (`normal_hangup`, …, `other`).
            pub fn as_str(self) -> &'static str {
                match self { $(HangupCause::$variant => $id,)* HangupCause::Other => "other" }
            }

            /// The name as the document's table spells it (misspellings included).
            pub fn table_name(self) -> &'static str {
                match self { $(HangupCause::$variant => $name,)* HangupCause::Other => "Other" }
            }

            /// The category the table puts this cause in.
            pub fn category(self) -> Category {
                match self { $(HangupCause::$variant => Category::$cat,)* HangupCause::Other => Category::Other }
            }

            /// What the cause means, in words that hold for every provider
            /// (each provider's own words stay in
            /// [`crate::Hangup::provider_reason`]).
            pub fn description(self) -> &'static str {
                match self {
                    $(HangupCause::$variant => $meaning,)*
                    HangupCause::Other => "Reason not in the taxonomy; the provider's words are kept",
                }
            }

            /// The description as the cause table of the document spells it
            /// (Plivo's hangup-cause list, which SuperU's document copies).
            pub fn table_description(self) -> &'static str {
                match self {
                    $(HangupCause::$variant => $desc,)*
                    HangupCause::Other => "",
                }
            }

            /// Plivo's published `hangup_cause_code`, where there is one.
            pub fn plivo_code(self) -> Option<u16> {
                match self { $(HangupCause::$variant => $plivo,)* HangupCause::Other => None }
            }

            /// The ITU-T Q.850 cause that fits this cause, where one does.
            pub fn q850(self) -> Option<u16> {
                match self { $(HangupCause::$variant => $q850,)* HangupCause::Other => None }
            }

            /// The SIP response code that fits this cause, where one does.
            pub fn sip(self) -> Option<u16> {
                match self { $(HangupCause::$variant => $sip,)* HangupCause::Other => None }
            }
        }
    };
}

causes! {
    AgentHangup = "agent_hangup", "Agent Hangup", NormalCompletion, "Agent hangup the call", "An agent (a person or an AI assistant) ended the call",
        plivo None, q850 Some(16), sip None;
    NormalHangup = "normal_hangup", "Normal Hangup", NormalCompletion, "Call terminated normally", "Call terminated normally",
        plivo Some(4000), q850 Some(16), sip None;
    EndOfXmlInstructions = "end_of_xml_instructions", "End of XML Instructions", NormalCompletion, "No more XML instructions to execute", "No more XML instructions to execute",
        plivo Some(4010), q850 Some(16), sip None;
    MultipartCallEnded = "multipart_call_ended", "Multipart Call Ended", NormalCompletion, "MPC ended via API or max duration", "A multiparty call (conference) ended, by request or at its maximum duration",
        plivo Some(4020), q850 Some(16), sip None;
    KickedOutOfMultipartyCall = "kicked_out_of_multiparty_call", "Kicked Out of Multiparty Call", NormalCompletion, "Participant removed via API", "A participant was removed from a multiparty call by request",
        plivo Some(4030), q850 Some(16), sip None;

    Unknown = "unknown", "Unknown", Canceled, "Hangup reason undetermined", "The provider could not tell why the call ended",
        plivo Some(0), q850 None, sip None;
    Canceled = "canceled", "Canceled", Canceled, "Call canceled via Hangup Call API before answer", "The call was canceled before it was answered (by the caller, the application or a request)",
        plivo Some(1000), q850 None, sip Some(487);
    CanceledOutOfCredits = "canceled_out_of_credits", "Canceled (Out of Credits)", Canceled, "Account ran out of credits", "The account ran out of credits",
        plivo Some(1010), q850 None, sip None;
    CanceledSimultaneousDialLimitReached = "canceled_simultaneous_dial_limit_reached", "Canceled (Simultaneous dial limit reached)", Canceled, "Simultaneous dial limit exceeded", "The account's concurrent or daily dialing limit was reached",
        plivo Some(1020), q850 None, sip None;

    InvalidDestinationAddress = "invalid_destination_address", "Invalid Destination Address", DestinationIssue, "Destination number/endpoint invalid", "Destination number/endpoint invalid",
        plivo Some(2000), q850 Some(28), sip Some(484);
    DestinationOutOfService = "destination_out_of_service", "Destination Out of Service", DestinationIssue, "Destination unavailable", "Destination unavailable",
        plivo Some(2010), q850 Some(27), sip Some(502);
    EndpointNotRegistered = "endpoint_not_registered", "Endpoint Not Registered", DestinationIssue, "SIP endpoint unregistered/unreachable", "The SIP endpoint is not registered or not reachable",
        plivo Some(2020), q850 Some(20), sip Some(480);
    DestinationCountryBarred = "destination_country_barred", "Destination Country Barred", DestinationIssue, "Country disabled in geo permissions", "Calls to the destination country are not enabled for the account",
        plivo Some(2030), q850 None, sip Some(403);
    DestinationNumberBarred = "destination_number_barred", "Destination Number Barred", DestinationIssue, "Premium rate numbers disabled", "Calls to this kind of number (premium rate) are not enabled for the account",
        plivo Some(2040), q850 None, sip Some(403);
    DestinationPrefixBarred = "destination_prefix_barred", "Destination Prefix Barred", DestinationIssue, "Prefix not permitted", "Calls to this number prefix are not permitted",
        plivo Some(2050), q850 None, sip Some(403);
    LoopDetected = "loop_detected", "Loop Detected", DestinationIssue, "B-leg would redial A leg's number", "The call would have looped back to its own caller",
        plivo Some(2060), q850 None, sip Some(482);
    ViolatesMediaAnchoring = "violates_media_anchoring", "Violates Media Anchoring", DestinationIssue, "India PSTN regulation violation", "The call broke a media-anchoring rule (India's PSTN regulation)",
        plivo Some(2070), q850 None, sip None;

    // Contact-center outcomes (Aircall's missed-call reasons): nothing of
    // Plivo's table says them, so they have causes of their own.
    ShortAbandoned = "short_abandoned", "Short Abandoned", Canceled, "", "The caller hung up within seconds, before anyone answered",
        plivo None, q850 None, sip None;
    AbandonedInIvr = "abandoned_in_ivr", "Abandoned in IVR", Canceled, "", "The caller hung up in the IVR menu, before reaching an agent",
        plivo None, q850 None, sip None;
    AbandonedInQueue = "abandoned_in_queue", "Abandoned in Queue", Canceled, "", "The caller hung up while waiting in the queue or while agents were rung",
        plivo None, q850 None, sip None;
    OutOfOpeningHours = "out_of_opening_hours", "Out of Opening Hours", CallRejection, "", "The call arrived outside the line's opening hours",
        plivo None, q850 None, sip None;
    NoAvailableAgent = "no_available_agent", "No Available Agent", CallRejection, "", "No agent was available to ring",
        plivo None, q850 None, sip None;

    NoAnswer = "no_answer", "No Answer", CallRejection, "Destination unavailable/unreachable", "The called party did not answer",
        plivo Some(3000), q850 Some(19), sip Some(480);
    BusyLine = "busy_line", "Busy Line", CallRejection, "Destination is busy", "Destination is busy",
        plivo Some(3010), q850 Some(17), sip Some(486);
    Rejected = "rejected", "Rejected", CallRejection, "Call rejected by called party", "Call rejected by called party",
        plivo Some(3020), q850 Some(21), sip Some(603);
    UnknownCallerId = "unknown_caller_id", "Unkown Caller ID", CallRejection, "Non-Plivo number used as caller ID", "The caller ID is not a number the account owns or has verified",
        plivo Some(3030), q850 None, sip Some(403);
    Forbidden = "forbidden", "Forbiddden", CallRejection, "Destination rejected/blocked call", "The destination refused or blocked the call",
        plivo Some(3040), q850 Some(21), sip Some(403);
    UnallocatedNumber = "unallocated_number", "Unallocated number", CallRejection, "Destination invalid or out of service", "The number is not assigned to anyone",
        plivo Some(3050), q850 Some(1), sip Some(404);

    RequestTimeout = "request_timeout", "Request timeout", CarrierError, "Carrier didn't respond in time", "The carrier did not respond in time",
        plivo Some(3070), q850 Some(102), sip Some(408);
    InternalServerErrorFromCarrier = "internal_server_error_from_carrier", "Internal server error from carrier", CarrierError, "Carrier encountered error", "The carrier had an internal error",
        plivo Some(3080), q850 Some(41), sip Some(500);
    NetworkCongestionFromCarrier = "network_congestion_from_carrier", "Network congestion from carrier", CarrierError, "Carrier network overloaded", "The carrier's network was overloaded",
        plivo Some(3090), q850 Some(34), sip Some(503);
    BusyEverywhere = "busy_everywhere", "Busy everywhere", CarrierError, "All destination endpoints busy", "Every endpoint of the destination was busy",
        plivo Some(3100), q850 Some(17), sip Some(600);
    Declined = "declined", "Declined", CarrierError, "Destination cannot/won't participate", "The destination declined the call",
        plivo Some(3110), q850 Some(21), sip Some(603);
    UserDoesNotExistAnywhere = "user_does_not_exist_anywhere", "User does not exist anywhere", CarrierError, "End user doesn't exist", "The called user does not exist",
        plivo Some(3120), q850 Some(1), sip Some(604);
    SpamBlock = "spam_block", "Spam block", CarrierError, "Carrier rejected due to spam flag", "The carrier blocked the call as spam",
        plivo Some(3130), q850 Some(21), sip Some(607);
    DnoCallerId = "dno_caller_id", "DNO Caller ID", CarrierError, "Caller ID on Do Not", "The caller ID is on a do-not-originate list",
        plivo Some(3140), q850 Some(21), sip Some(608);

    NetworkError = "network_error", "Network Error", SystemError, "Fatal network condition", "A network or connection failure ended the call",
        plivo Some(5000), q850 Some(38), sip None;
    InternalError = "internal_error", "Internal Error", SystemError, "Plivo system error", "The platform failed (the provider's, or the voice-AI pipeline's)",
        plivo Some(5010), q850 Some(41), sip Some(500);
    RoutingError = "routing_error", "Routing Error", SystemError, "Could not route to destination", "Could not route to destination",
        plivo Some(5020), q850 Some(3), sip None;
    ConcurrencyLimitBreached = "concurrency_limit_breached", "Concurrency Limit Breached", SystemError, "India concurreny call limit exceeded", "A concurrent call limit was exceeded (a regulatory limit in India)",
        plivo Some(5030), q850 Some(34), sip Some(503);

    ScheduledHangup = "scheduled_hangup", "Scheduled Hangup", Timeout, "Max call duration reached", "The call reached its maximum duration",
        plivo Some(6000), q850 None, sip None;
    RingTimeoutReached = "ring_timeout_reached", "Ring Timeout Reached", Timeout, "Not answered within ring timeout", "Not answered within ring timeout",
        plivo Some(6010), q850 Some(19), sip Some(480);
    MediaTimeout = "media_timeout", "Media Timeout", Timeout, "No media packets for 60 seconds", "No media (audio) arrived for too long",
        plivo Some(6020), q850 None, sip None;

    ErrorReachingAnswerUrl = "error_reaching_answer_url", "Error Reaching Answer URL", UrlError, "Non-2xx response from answer URL", "The application's answer URL (or assistant server) did not answer with success",
        plivo Some(7011), q850 None, sip None;
    ErrorReachingActionUrl = "error_reaching_action_url", "Error Reaching Action URL", UrlError, "Non-2xx response from action URL", "The application's action URL did not answer with success",
        plivo Some(7012), q850 None, sip None;
    ErrorReachingTransferUrl = "error_reaching_transfer_url", "Error Reaching Transfer URL", UrlError, "Non-2xx response from transfer URL", "The application's transfer URL did not answer with success",
        plivo Some(7013), q850 None, sip None;
    ErrorReachingRedirectUrl = "error_reaching_redirect_url", "Error Reaching Redirect URL", UrlError, "Non-2xx response from redirect URL", "The application's redirect URL did not answer with success",
        plivo Some(7014), q850 None, sip None;
    InvalidActionUrl = "invalid_action_url", "Invalid Action URL", UrlError, "Action URL not valid", "Action URL not valid",
        plivo Some(7022), q850 None, sip None;
    InvalidTransferUrl = "invalid_transfer_url", "Invalid Transfer URL", UrlError, "Transfer URL not valid", "Transfer URL not valid",
        plivo Some(7023), q850 None, sip None;
    InvalidRedirectUrl = "invalid_redirect_url", "Invalid Redirect URL", UrlError, "Redirect URL not valid", "Redirect URL not valid",
        plivo Some(7024), q850 None, sip None;
    InvalidMethodForActionUrl = "invalid_method_for_action_url", "Invalid Method for Action URL", UrlError, "Unsupported HTTP method", "Unsupported HTTP method for the action URL",
        plivo Some(7032), q850 None, sip None;
    InvalidMethodForTransferUrl = "invalid_method_for_transfer_url", "Invalid Method for Transfer URL", UrlError, "Unsupported HTTP method", "Unsupported HTTP method for the transfer URL",
        plivo Some(7033), q850 None, sip None;
    InvalidMethodForRedirectUrl = "invalid_method_for_redirect_url", "Invalid Method for Redirect URL", UrlError, "Unsupported HTTP method", "Unsupported HTTP method for the redirect URL",
        plivo Some(7034), q850 None, sip None;

    InvalidAnswerXml = "invalid_answer_xml", "Invalid Answer XML", XmlError, "Answer URL returned invalid XML", "Answer URL returned invalid XML",
        plivo Some(8011), q850 None, sip None;
    InvalidActionXml = "invalid_action_xml", "Invalid Action XML", XmlError, "Action URL returned invalid XML", "Action URL returned invalid XML",
        plivo Some(8012), q850 None, sip None;
    InvalidTransferXml = "invalid_transfer_xml", "Invalid Transfer XML", XmlError, "Transfer URL returned invalid XML", "Transfer URL returned invalid XML",
        plivo Some(8013), q850 None, sip None;
    InvalidRedirectXml = "invalid_redirect_xml", "Invalid Redirect XML", XmlError, "Redirect URL returned invalid XML", "Redirect URL returned invalid XML",
        plivo Some(8014), q850 None, sip None;

    LostRace = "lost_race", "Lost Race", SpecialCase, "Another parallel B-leg answered first", "Another leg dialed at the same time answered first",
        plivo Some(9000), q850 None, sip None;
    MachineDetected = "machine_detected", "Machine Detected", SpecialCase, "Answered by answering machine", "An answering machine (or voicemail) answered",
        plivo Some(9100), q850 None, sip None;
    ConfirmKeyChallengeFailed = "confirm_key_challenge_failed", "Confirm Key Challenge Failed", SpecialCase, "Participant failed to enter confirm key", "Participant failed to enter confirm key",
        plivo Some(9110), q850 None, sip None;
}

/// Where an alias comes from; it decides which codes the match carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AliasKind {
    /// Another spelling of a cause's own name (Plivo's `Multiparty Call Ended`).
    Spelling,
    /// A FreeSWITCH/Q.850 cause name with its own number (FreeSWITCH's
    /// numbering where Q.850 has none, as for `ORIGINATOR_CANCEL`).
    SipName {
        /// The number FreeSWITCH gives the name; a Q.850 cause when below 128.
        number: u16,
    },
    /// A voice-AI platform's ended reason, with who hung up where it says.
    EndedReason(Option<HangupSource>),
}

/// One other name for a cause.
#[derive(Debug, Clone, Copy)]
pub struct Alias {
    /// The name as providers write it (matched case- and space-insensitively).
    pub name: &'static str,
    /// The cause it means.
    pub cause: HangupCause,
    /// Its vocabulary.
    pub kind: AliasKind,
}

const fn sip(name: &'static str, number: u16, cause: HangupCause) -> Alias {
    Alias {
        name,
        cause,
        kind: AliasKind::SipName { number },
    }
}
const fn ended(name: &'static str, cause: HangupCause, source: Option<HangupSource>) -> Alias {
    Alias {
        name,
        cause,
        kind: AliasKind::EndedReason(source),
    }
}
const fn spelling(name: &'static str, cause: HangupCause) -> Alias {
    Alias {
        name,
        cause,
        kind: AliasKind::Spelling,
    }
}

use HangupCause as C;
use HangupSource as S;

/// Every other name a cause goes by: spellings, FreeSWITCH/Q.850 names and
/// voice-AI ended reasons (`../shared/hangup-codes.md`).
pub const ALIASES: &[Alias] = &[
    spelling("Multiparty Call Ended", C::MultipartCallEnded),
    spelling("Multipart(y) Call Ended", C::MultipartCallEnded),
    spelling("Unknown Caller ID", C::UnknownCallerId),
    spelling("Forbidden", C::Forbidden),
    spelling("Cancelled", C::Canceled),
    spelling("Busy", C::BusyLine),
    spelling("Unallocated", C::UnallocatedNumber),
    // FreeSWITCH / Q.850 cause names.
    sip("NORMAL_CLEARING", 16, C::NormalHangup),
    sip("USER_BUSY", 17, C::BusyLine),
    sip("NO_USER_RESPONSE", 18, C::NoAnswer),
    sip("NO_ANSWER", 19, C::NoAnswer),
    sip("SUBSCRIBER_ABSENT", 20, C::EndpointNotRegistered),
    sip("CALL_REJECTED", 21, C::Rejected),
    sip("UNALLOCATED_NUMBER", 1, C::UnallocatedNumber),
    sip("NO_ROUTE_TRANSIT_NET", 2, C::RoutingError),
    sip("NO_ROUTE_DESTINATION", 3, C::RoutingError),
    sip("NUMBER_CHANGED", 22, C::DestinationOutOfService),
    sip("EXCHANGE_ROUTING_ERROR", 25, C::RoutingError),
    sip("DESTINATION_OUT_OF_ORDER", 27, C::DestinationOutOfService),
    sip("INVALID_NUMBER_FORMAT", 28, C::InvalidDestinationAddress),
    sip("NORMAL_UNSPECIFIED", 31, C::NormalHangup),
    sip(
        "NORMAL_CIRCUIT_CONGESTION",
        34,
        C::NetworkCongestionFromCarrier,
    ),
    sip("NETWORK_OUT_OF_ORDER", 38, C::NetworkError),
    sip("NORMAL_TEMPORARY_FAILURE", 41, C::NetworkError),
    sip("SWITCH_CONGESTION", 42, C::NetworkCongestionFromCarrier),
    sip("OUTGOING_CALL_BARRED", 52, C::DestinationNumberBarred),
    sip("RECOVERY_ON_TIMER_EXPIRE", 102, C::RequestTimeout),
    sip("PROTOCOL_ERROR", 111, C::NetworkError),
    sip("INTERWORKING", 127, C::NetworkError),
    sip("ORIGINATOR_CANCEL", 487, C::Canceled),
    sip("LOSE_RACE", 502, C::LostRace),
    sip("MANAGER_REQUEST", 503, C::Canceled),
    sip("SYSTEM_SHUTDOWN", 500, C::InternalError),
    sip("ALLOTTED_TIMEOUT", 602, C::ScheduledHangup),
    sip("MEDIA_TIMEOUT", 604, C::MediaTimeout),
    sip("USER_NOT_REGISTERED", 606, C::EndpointNotRegistered),
    sip("UNKNOWN", 0, C::Unknown),
    // Voice-AI ended reasons (Vapi style, SuperU, Unpod).
    ended("Customer Hangup", C::NormalHangup, Some(S::Caller)),
    ended("Customer Ended The Call", C::NormalHangup, Some(S::Caller)),
    ended("caller_hangup", C::NormalHangup, Some(S::Caller)),
    ended("callee_hangup", C::NormalHangup, Some(S::Callee)),
    ended("Assistant Hangup", C::AgentHangup, Some(S::Agent)),
    // Vapi's vocabulary (SuperU's too) maps by family: FAMILIES.
];

/// Families of voice-AI ended reasons (Vapi's vocabulary, which SuperU's
/// records share), by the prefix of their folded form ([`key`]): hundreds
/// of values (`pipeline-error-openai-llm-failed`,
/// `call.in-progress.error-vapifault-…`, `assistant-ended-call-after-…`)
/// map by rule, not one line each. The longest matching prefix wins; an
/// exact alias ([`ALIASES`]) wins over any prefix; what matches nothing is
/// `other`, with the words kept.
pub const FAMILIES: &[(&str, HangupCause, Option<HangupSource>)] = &[
    // Ended normally, whoever's words they are.
    ("vonage completed", C::NormalHangup, None),
    (
        "call in progress twilio completed call",
        C::NormalHangup,
        None,
    ),
    ("call in progress sip completed call", C::NormalHangup, None),
    (
        "sip outbound carrier released call",
        C::NormalHangup,
        Some(S::Carrier),
    ),
    // The application's hooks ended or moved the call.
    ("call ringing hook executed", C::NormalHangup, Some(S::Api)),
    ("call ending hook executed", C::NormalHangup, Some(S::Api)),
    // Canceled before an answer: by the caller, or by deleting the call.
    (
        "call ringing sip inbound caller hungup before call connect",
        C::Canceled,
        Some(S::Caller),
    ),
    ("scheduled call deleted", C::Canceled, Some(S::Api)),
    ("call deleted", C::Canceled, Some(S::Api)),
    ("call forwarding no answer", C::NoAnswer, None),
    (
        "sip outbound unallocated number",
        C::UnallocatedNumber,
        Some(S::Carrier),
    ),
    // The account's limits, before the call starts.
    (
        "call start error subscription insufficient credits",
        C::CanceledOutOfCredits,
        Some(S::System),
    ),
    (
        "call start error subscription concurrency limit reached",
        C::CanceledSimultaneousDialLimitReached,
        Some(S::System),
    ),
    (
        "call start error vapi number outbound daily limit",
        C::CanceledSimultaneousDialLimitReached,
        Some(S::System),
    ),
    // The assistant server answered with a number to forward to.
    (
        "assistant request returned forwarding phone number",
        C::NormalHangup,
        Some(S::Api),
    ),
    (
        "assistant join timed out",
        C::InternalError,
        Some(S::System),
    ),
    (
        "call in progress error assistant did not receive customer audio",
        C::MediaTimeout,
        Some(S::System),
    ),
    ("vonage disconnected", C::NetworkError, Some(S::Carrier)),
    (
        "phone call provider bypass enabled but no call received",
        C::InternalError,
        Some(S::System),
    ),
    ("customer ended call", C::NormalHangup, Some(S::Caller)),
    // Who was busy or did not answer is the record's direction to tell.
    ("customer busy", C::BusyLine, None),
    ("customer did not answer", C::NoAnswer, None),
    (
        "customer did not give microphone permission",
        C::Rejected,
        Some(S::Caller),
    ),
    ("assistant ended call", C::AgentHangup, Some(S::Agent)),
    (
        "assistant said end call phrase",
        C::AgentHangup,
        Some(S::Agent),
    ),
    ("assistant forwarded call", C::NormalHangup, Some(S::Agent)),
    (
        "assistant request",
        C::ErrorReachingAnswerUrl,
        Some(S::System),
    ),
    ("assistant not found", C::InternalError, Some(S::System)),
    ("assistant not valid", C::InternalError, Some(S::System)),
    ("assistant error", C::InternalError, Some(S::System)),
    ("silence timed out", C::MediaTimeout, Some(S::System)),
    ("exceeded max duration", C::ScheduledHangup, Some(S::System)),
    ("voicemail", C::MachineDetected, None),
    ("manually canceled", C::Canceled, Some(S::Api)),
    ("pipeline error", C::InternalError, Some(S::System)),
    // Every `call.start.*` reason is an error starting the call (the
    // `…-version-error-validation` ones too), as is `call.ringing.error-*`.
    ("call start", C::InternalError, Some(S::System)),
    ("call ringing error", C::InternalError, Some(S::System)),
    ("call in progress error", C::InternalError, Some(S::System)),
    (
        "call forwarding operator busy",
        C::BusyLine,
        Some(S::Carrier),
    ),
    (
        "twilio failed to connect call",
        C::NetworkError,
        Some(S::Carrier),
    ),
    (
        "twilio reported customer misdialed",
        C::InvalidDestinationAddress,
        Some(S::Carrier),
    ),
    ("vonage rejected", C::Rejected, Some(S::Carrier)),
    (
        "vonage failed to connect call",
        C::NetworkError,
        Some(S::Carrier),
    ),
    (
        "phone call provider closed websocket",
        C::NetworkError,
        Some(S::Carrier),
    ),
    ("worker shutdown", C::InternalError, Some(S::System)),
    ("database error", C::InternalError, Some(S::System)),
    // Retell's `disconnection_reason` (retell-sdk's 39 values, and the
    // legacy ones older calls still carry). "The user" is the customer.
    ("user hangup", C::NormalHangup, Some(S::Caller)),
    ("user requested dnc", C::NormalHangup, Some(S::Caller)),
    ("user requested callback", C::NormalHangup, Some(S::Caller)),
    ("user declined", C::Rejected, Some(S::Caller)),
    ("agent hangup", C::AgentHangup, Some(S::Agent)),
    ("call transfer", C::NormalHangup, Some(S::Agent)),
    ("transfer bridged", C::NormalHangup, Some(S::Agent)),
    ("transfer cancelled", C::NormalHangup, Some(S::Agent)),
    ("call take over", C::NormalHangup, Some(S::Agent)),
    ("manual stopped", C::NormalHangup, Some(S::Api)),
    ("voicemail reached", C::MachineDetected, None),
    ("ivr reached", C::MachineDetected, None),
    ("inactivity", C::MediaTimeout, Some(S::System)),
    ("max duration reached", C::ScheduledHangup, Some(S::System)),
    (
        "concurrency limit reached",
        C::CanceledSimultaneousDialLimitReached,
        Some(S::System),
    ),
    (
        "no concurrency fallback",
        C::CanceledSimultaneousDialLimitReached,
        Some(S::System),
    ),
    ("no valid payment", C::CanceledOutOfCredits, Some(S::System)),
    ("credit exhausted", C::CanceledOutOfCredits, Some(S::System)),
    ("budget reached", C::CanceledOutOfCredits, Some(S::System)),
    ("scam detected", C::SpamBlock, Some(S::System)),
    ("dial busy", C::BusyLine, None),
    ("dial no answer", C::NoAnswer, None),
    ("dial failed", C::NetworkError, Some(S::Carrier)),
    (
        "invalid destination",
        C::InvalidDestinationAddress,
        Some(S::Carrier),
    ),
    (
        "telephony provider permission denied",
        C::Forbidden,
        Some(S::Carrier),
    ),
    (
        "telephony provider unavailable",
        C::InternalServerErrorFromCarrier,
        Some(S::Carrier),
    ),
    ("sip routing error", C::RoutingError, Some(S::Carrier)),
    ("marked as spam", C::SpamBlock, Some(S::Carrier)),
    ("network blocked", C::Forbidden, Some(S::Carrier)),
    (
        "registered call timeout",
        C::RingTimeoutReached,
        Some(S::System),
    ),
    (
        "error llm websocket",
        C::ErrorReachingAnswerUrl,
        Some(S::System),
    ),
    (
        "error inbound webhook",
        C::ErrorReachingAnswerUrl,
        Some(S::System),
    ),
    ("error no audio received", C::MediaTimeout, Some(S::System)),
    ("error user not joined", C::NoAnswer, Some(S::Caller)),
    ("error twilio", C::NetworkError, Some(S::Carrier)),
    ("error asr", C::InternalError, Some(S::System)),
    ("error retell", C::InternalError, Some(S::System)),
    ("error unknown", C::InternalError, Some(S::System)),
    (
        "error frontend corrupted payload",
        C::InternalError,
        Some(S::System),
    ),
];

/// Phrases of free-text end reasons (ElevenLabs' `termination_reason`,
/// Bland's `error_message`: sentences, not codes), for words no name or
/// family above knows: the first phrase found in the folded text, at word
/// boundaries, gives the cause. More specific phrases come first. A
/// `Caller` source means the customer (see [`HangupCause::from_phrase`]).
pub const PHRASES: &[(&str, HangupCause, Option<HangupSource>)] = &[
    ("end call tool", C::AgentHangup, Some(S::Agent)),
    ("ended by agent", C::AgentHangup, Some(S::Agent)),
    ("agent ended", C::AgentHangup, Some(S::Agent)),
    ("agent hung up", C::AgentHangup, Some(S::Agent)),
    ("assistant hung up", C::AgentHangup, Some(S::Agent)),
    ("transfer", C::NormalHangup, Some(S::Agent)),
    ("transferred", C::NormalHangup, Some(S::Agent)),
    ("voicemail", C::MachineDetected, None),
    ("answering machine", C::MachineDetected, None),
    ("maximum duration", C::ScheduledHangup, Some(S::System)),
    ("max duration", C::ScheduledHangup, Some(S::System)),
    ("silence", C::MediaTimeout, Some(S::System)),
    ("inactivity", C::MediaTimeout, Some(S::System)),
    ("timed out", C::MediaTimeout, Some(S::System)),
    ("timeout", C::MediaTimeout, Some(S::System)),
    ("not answered", C::NoAnswer, None),
    ("no answer", C::NoAnswer, None),
    ("did not answer", C::NoAnswer, None),
    ("busy", C::BusyLine, None),
    ("declined", C::Rejected, Some(S::Caller)),
    ("rejected", C::Rejected, Some(S::Caller)),
    (
        "invalid number",
        C::InvalidDestinationAddress,
        Some(S::Carrier),
    ),
    (
        "invalid phone number",
        C::InvalidDestinationAddress,
        Some(S::Carrier),
    ),
    ("client disconnected", C::NormalHangup, Some(S::Caller)),
    ("remote party", C::NormalHangup, Some(S::Caller)),
    ("user hung up", C::NormalHangup, Some(S::Caller)),
    ("user ended", C::NormalHangup, Some(S::Caller)),
    ("hung up", C::NormalHangup, Some(S::Caller)),
    ("hangup", C::NormalHangup, Some(S::Caller)),
    ("error", C::InternalError, Some(S::System)),
    ("failed", C::InternalError, Some(S::System)),
    ("failure", C::InternalError, Some(S::System)),
];

/// The cause a SIP response means, where the codes could mean several
/// (403 is also what a barred country gets); others by the table's `sip`
/// column, else by the response's class.
pub const SIP_RESPONSES: &[(u16, HangupCause)] = &[
    (401, C::Forbidden),
    (403, C::Forbidden),
    (404, C::UnallocatedNumber),
    (407, C::Forbidden),
    (408, C::RequestTimeout),
    (410, C::UnallocatedNumber),
    (480, C::NoAnswer),
    (484, C::InvalidDestinationAddress),
    (486, C::BusyLine),
    (487, C::Canceled),
    (500, C::InternalServerErrorFromCarrier),
    (502, C::DestinationOutOfService),
    (503, C::NetworkCongestionFromCarrier),
    (504, C::RequestTimeout),
    (600, C::BusyEverywhere),
    (603, C::Declined),
    (604, C::UserDoesNotExistAnywhere),
    (607, C::SpamBlock),
    (608, C::DnoCallerId),
];

impl HangupCause {
    /// The cause a SIP final response (400..=699) means.
    ///
    /// ```
    /// use calllogs_core::HangupCause;
    /// assert_eq!(HangupCause::from_sip(403), Some(HangupCause::Forbidden));
    /// assert_eq!(HangupCause::from_sip(482), Some(HangupCause::LoopDetected));
    /// assert_eq!(HangupCause::from_sip(499), Some(HangupCause::Rejected));
    /// assert_eq!(HangupCause::from_sip(200), None);
    /// ```
    pub fn from_sip(code: u16) -> Option<HangupCause> {
        if let Some((_, cause)) = SIP_RESPONSES.iter().find(|(c, _)| *c == code) {
            return Some(*cause);
        }
        if let Some(cause) = HangupCause::ALL.iter().find(|c| c.sip() == Some(code)) {
            return Some(*cause);
        }
        match code {
            400..=499 => Some(C::Rejected),
            500..=599 => Some(C::InternalServerErrorFromCarrier),
            600..=699 => Some(C::Declined),
            _ => None,
        }
    }
}

/// A reason that names a SIP response (`…-outbound-sip-403-forbidden`, folded
/// `… sip 403 forbidden`): that response's cause, with the code itself.
fn sip_named(k: &str) -> Option<Resolved> {
    let mut words = k.split(' ');
    while let Some(w) = words.next() {
        if w != "sip" {
            continue;
        }
        let Some(code) = words.clone().next().and_then(|n| n.parse::<u16>().ok()) else {
            continue;
        };
        let cause = HangupCause::from_sip(code)?;
        return Some(Resolved {
            cause,
            q850: cause.q850(),
            sip: Some(code),
            source: Some(S::Carrier),
        });
    }
    None
}

/// The family `k` (a folded reason) belongs to: the longest prefix of
/// [`FAMILIES`] that is `k` or ends at a word boundary of it.
fn family(k: &str) -> Option<Resolved> {
    FAMILIES
        .iter()
        .filter(|(p, _, _)| {
            k.strip_prefix(p)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
        })
        .max_by_key(|(p, _, _)| p.len())
        .map(|(_, cause, source)| Resolved {
            source: *source,
            ..Resolved::of(*cause)
        })
}

/// The folded form used for every name lookup: lower case, every run of
/// non-alphanumeric characters one space. `Canceled (Out of Credits)`,
/// `canceled_out_of_credits` and `CANCELED-OUT-OF-CREDITS` fold alike.
pub fn key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    fold_into(s, &mut out);
    out
}

/// Runs `f` on the folded form of `s` (see [`key`]) built in a reused
/// buffer: lookups on the hot path allocate nothing.
pub fn with_key<R>(s: &str, f: impl FnOnce(&str) -> R) -> R {
    thread_local! {
        static BUF: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    BUF.with(|buf| match buf.try_borrow_mut() {
        Ok(mut out) => {
            out.clear();
            fold_into(s, &mut out);
            f(&out)
        }
        // Re-entered from inside `f`: fall back to a fresh string.
        Err(_) => f(&key(s)),
    })
}

fn fold_into(s: &str, out: &mut String) {
    let mut gap = false;
    for ch in s.chars() {
        if ch.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            if ch.is_ascii() {
                out.push(ch.to_ascii_lowercase());
            } else {
                out.extend(ch.to_lowercase());
            }
        } else {
            gap = true;
        }
    }
}

/// A provider reason resolved onto the taxonomy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolved {
    /// The cause.
    pub cause: HangupCause,
    /// The Q.850 (or FreeSWITCH) number that goes with the words matched.
    pub q850: Option<u16>,
    /// The SIP response that goes with the words matched.
    pub sip: Option<u16>,
    /// Who hung up, where the words say so.
    pub source: Option<HangupSource>,
}

impl Resolved {
    fn of(cause: HangupCause) -> Self {
        Resolved {
            cause,
            q850: cause.q850(),
            sip: cause.sip(),
            source: None,
        }
    }
}

/// FNV-1a: the keys are short and ours, so a fast non-keyed hash is right here.
#[derive(Default, Clone, Copy)]
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type FnvMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<Fnv>>;

static BY_KEY: LazyLock<FnvMap<String, Resolved>> = LazyLock::new(|| {
    let mut map = FnvMap::default();
    for &cause in HangupCause::ALL {
        map.insert(key(cause.as_str()), Resolved::of(cause));
        map.insert(key(cause.table_name()), Resolved::of(cause));
    }
    for alias in ALIASES {
        let resolved = match alias.kind {
            AliasKind::Spelling => Resolved::of(alias.cause),
            AliasKind::SipName { number } => Resolved {
                cause: alias.cause,
                // Below 128 the number is a real Q.850 cause; above, it is
                // FreeSWITCH's own numbering and Q.850 has none.
                q850: (number > 0 && number < 128)
                    .then_some(number)
                    .or(alias.cause.q850()),
                sip: alias.cause.sip(),
                source: None,
            },
            AliasKind::EndedReason(source) => Resolved {
                source,
                ..Resolved::of(alias.cause)
            },
        };
        map.entry(key(alias.name)).or_insert(resolved);
    }
    map
});

impl HangupCause {
    /// Resolves a provider's words onto the taxonomy: a cause's identifier or
    /// table name (any case or spacing, misspellings accepted), a FreeSWITCH /
    /// Q.850 name, a voice-AI ended reason (by family, or by the SIP
    /// response it names). `None` when nothing fits. Numbers are not words:
    /// a provider's numeric codes are its own ([`HangupCause::from_plivo_code`]
    /// for Plivo's).
    pub fn lookup(reason: &str) -> Option<Resolved> {
        with_key(reason, |k| {
            if k.is_empty() {
                return None;
            }
            if let Some(r) = BY_KEY.get(k) {
                return Some(*r);
            }
            // A reason that names a SIP response carries it: the code says
            // more than the family it belongs to.
            sip_named(k).or_else(|| family(k))
        })
    }

    /// The first of [`PHRASES`] found in `text` (folded, at word
    /// boundaries): free-text reasons that no name or family knows.
    ///
    /// ```
    /// use calllogs_core::{HangupCause, HangupSource};
    /// let r = HangupCause::from_phrase("Call ended by the end_call tool.").unwrap();
    /// assert_eq!((r.0, r.1), (HangupCause::AgentHangup, Some(HangupSource::Agent)));
    /// assert_eq!(HangupCause::from_phrase("Maximum duration exceeded").unwrap().0, HangupCause::ScheduledHangup);
    /// assert!(HangupCause::from_phrase("something else entirely").is_none());
    /// ```
    pub fn from_phrase(text: &str) -> Option<(HangupCause, Option<HangupSource>)> {
        with_key(text, |k| {
            // Whole words only, without an allocation per phrase: the folded
            // key is words separated by single spaces.
            let at_words = |p: &str| {
                k.match_indices(p).any(|(i, _)| {
                    let end = i + p.len();
                    (i == 0 || k.as_bytes()[i - 1] == b' ')
                        && (end == k.len() || k.as_bytes()[end] == b' ')
                })
            };
            PHRASES
                .iter()
                .find(|(p, _, _)| at_words(p))
                .map(|(_, cause, source)| (*cause, *source))
        })
    }

    /// The cause Plivo reports as `hangup_cause_code`.
    pub fn from_plivo_code(code: u16) -> Option<HangupCause> {
        static BY_CODE: LazyLock<HashMap<u16, HangupCause>> = LazyLock::new(|| {
            HangupCause::ALL
                .iter()
                .filter_map(|c| c.plivo_code().map(|code| (code, *c)))
                .collect()
        });
        BY_CODE.get(&code).copied()
    }
}

impl From<&str> for HangupCause {
    /// Infallible: anything unknown is [`HangupCause::Other`].
    fn from(s: &str) -> Self {
        HangupCause::lookup(s).map_or(HangupCause::Other, |r| r.cause)
    }
}

impl FromStr for HangupCause {
    type Err = UnknownName;
    /// Strict: only a snake_case identifier (or `other`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "other" {
            return Ok(HangupCause::Other);
        }
        HangupCause::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownName(s.to_string()))
    }
}

impl fmt::Display for HangupCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! serde_as_str {
    ($t:ty, $fallback:expr) => {
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = std::borrow::Cow::<str>::deserialize(d)?;
                Ok(s.parse().unwrap_or($fallback))
            }
        }
    };
}
serde_as_str!(HangupCause, HangupCause::Other);
serde_as_str!(Category, Category::Other);

/// Who hung up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum HangupSource {
    /// The calling party.
    Caller,
    /// The called party.
    Callee,
    /// A human or AI agent.
    Agent,
    /// The platform.
    System,
    /// An API request or the application.
    Api,
    /// The carrier.
    Carrier,
    /// Not known.
    #[default]
    #[serde(other)]
    Unknown,
}

impl HangupSource {
    /// Every source.
    pub const ALL: &'static [HangupSource] = &[
        HangupSource::Caller,
        HangupSource::Callee,
        HangupSource::Agent,
        HangupSource::System,
        HangupSource::Api,
        HangupSource::Carrier,
        HangupSource::Unknown,
    ];

    /// The snake_case identifier (`caller`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            HangupSource::Caller => "caller",
            HangupSource::Callee => "callee",
            HangupSource::Agent => "agent",
            HangupSource::System => "system",
            HangupSource::Api => "api",
            HangupSource::Carrier => "carrier",
            HangupSource::Unknown => "unknown",
        }
    }

    /// Reads a provider's hangup source (Plivo's `Caller`, `Callee`,
    /// `Call recipient`, `Plivo`, `Carrier`, `API Request`, `Answer XML`,
    /// `Error`, `Unknown`; any case).
    pub fn parse_loose(s: &str) -> HangupSource {
        with_key(s, |k| match k {
            "caller" | "customer" | "from" => HangupSource::Caller,
            "callee" | "call recipient" | "recipient" | "to" => HangupSource::Callee,
            "agent" | "assistant" => HangupSource::Agent,
            "plivo" | "system" | "error" | "platform" => HangupSource::System,
            "api request" | "api" | "answer xml" | "xml" => HangupSource::Api,
            "carrier" | "network" => HangupSource::Carrier,
            _ => HangupSource::Unknown,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_round_trip() {
        for &c in HangupCause::ALL {
            assert_eq!(c.as_str().parse::<HangupCause>().unwrap(), c);
            assert_eq!(HangupCause::from(c.as_str()), c, "{c}");
            assert_eq!(HangupCause::from(c.table_name()), c, "{}", c.table_name());
        }
        // Plivo's table (55 rows) and five contact-center outcomes.
        assert_eq!(HangupCause::ALL.len(), 60);
    }

    #[test]
    fn key_folds_case_space_and_punctuation() {
        assert_eq!(key("Canceled (Out of Credits)"), "canceled out of credits");
        assert_eq!(key("  NORMAL_CLEARING "), "normal clearing");
        assert_eq!(key("customer-ended-call"), "customer ended call");
        assert_eq!(key("--"), "");
    }

    #[test]
    fn aliases_do_not_shadow_table_names() {
        // An alias must never redefine a cause's own name.
        for alias in ALIASES {
            if let Some(own) = HangupCause::ALL
                .iter()
                .find(|c| key(c.table_name()) == key(alias.name))
            {
                assert_eq!(*own, alias.cause, "{}", alias.name);
            }
        }
    }

    #[test]
    fn error_prefixes_resolve_to_internal_error() {
        let r = HangupCause::lookup("pipeline-error-openai-llm-failed").unwrap();
        assert_eq!(r.cause, HangupCause::InternalError);
        assert_eq!(r.source, Some(HangupSource::System));
        assert!(HangupCause::lookup("pipeline").is_none());
    }
}
