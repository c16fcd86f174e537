//! The normalized call record of `call-model.md`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use crate::taxonomy::HangupSource;
use crate::taxonomy::{Category, HangupCause};

/// One call, in the shape every provider is normalized to.
///
/// Field names are the contract's; serialize it with serde to get the
/// NDJSON line the CLI prints.
///
/// ```
/// use calllogs_core::{Call, Direction, Status};
/// let call = Call::new("plivo", "abc-1");
/// assert_eq!(call.direction, Direction::Unknown);
/// assert_eq!(call.status, Status::Unknown);
/// let line = serde_json::to_string(&call).unwrap();
/// assert!(line.starts_with(r#"{"provider":"plivo","id":"abc-1""#));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Call {
    /// `plivo`, `superu`, `nectardesk`, `unpod`, …
    pub provider: String,
    /// The provider's call id (numbers become strings).
    pub id: String,
    /// The A leg of a B leg, or the original call of a callback or transfer.
    pub parent_id: Option<String>,
    /// Inbound, outbound or unknown.
    pub direction: Direction,
    /// The calling side: E.164 where the provider gives a full number, else as given.
    pub from: Option<String>,
    /// The called side: E.164 where the provider gives a full number, else as given.
    pub to: Option<String>,
    /// When the call began (or, failing that, when its record was created).
    pub started_at: Option<DateTime<Utc>>,
    /// When it was answered.
    pub answered_at: Option<DateTime<Utc>>,
    /// When it ended.
    pub ended_at: Option<DateTime<Utc>>,
    /// Whole call, seconds.
    pub duration_s: Option<i64>,
    /// Answered part, seconds, where the provider says.
    pub talk_time_s: Option<i64>,
    /// Billed seconds.
    pub billed_duration_s: Option<i64>,
    /// One outcome across providers.
    pub status: Status,
    /// Why and by whom the call ended.
    pub hangup: Option<Hangup>,
    /// What the call cost, as the provider wrote the amount.
    pub cost: Option<Cost>,
    /// People or AI agents on the call.
    pub agents: Vec<Agent>,
    /// The customer or contact.
    pub contact: Option<Contact>,
    /// The campaign the call belongs to.
    pub campaign: Option<Campaign>,
    /// The provider's tags.
    pub tags: Vec<String>,
    /// Recordings of the call.
    pub recordings: Vec<Recording>,
    /// Speaker turns, where the provider gives a transcript.
    pub transcript: Option<Vec<Turn>>,
    /// AI-generated analysis, as the provider gave it; always an object
    /// (a provider's bare value is kept under `value`: [`parse::analysis`]).
    ///
    /// [`parse::analysis`]: crate::parse::analysis
    pub analysis: Option<Value>,
    /// The queue or ring group the call went through (contact centers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<Named>,
    /// The IVR the call went through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ivr: Option<Named>,
    /// The disposition an agent gave the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disposition: Option<Disposition>,
    /// Whether the call was answered within the service level, where the provider says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sla_met: Option<bool>,
    /// The provider's original record, unchanged.
    pub raw: Raw,
}

impl Call {
    /// An empty call of `provider` with id `id`: every optional field empty,
    /// direction and status unknown. Mappers fill in the rest.
    pub fn new(provider: impl Into<String>, id: impl Into<String>) -> Self {
        Call {
            provider: provider.into(),
            id: id.into(),
            parent_id: None,
            direction: Direction::Unknown,
            from: None,
            to: None,
            started_at: None,
            answered_at: None,
            ended_at: None,
            duration_s: None,
            talk_time_s: None,
            billed_duration_s: None,
            status: Status::Unknown,
            hangup: None,
            cost: None,
            agents: Vec::new(),
            contact: None,
            campaign: None,
            tags: Vec::new(),
            recordings: Vec::new(),
            transcript: None,
            analysis: None,
            queue: None,
            ivr: None,
            disposition: None,
            sla_met: None,
            raw: Raw::default(),
        }
    }
}

impl Call {
    /// The end of a voice-AI call object (Vapi's, SuperU's, and those
    /// that follow them): the hangup from its ended reason (through the
    /// taxonomy's families, oriented by the direction) and the status from
    /// its `status` and that cause. A call with a transcript connected, so
    /// an error that ended it does not make it unanswered. Set
    /// [`Call::direction`] and [`Call::transcript`] first.
    ///
    /// ```
    /// use calllogs_core::{Call, Direction, HangupSource, Status};
    /// let mut call = Call::new("vapi", "c1");
    /// call.direction = Direction::Outbound;
    /// call.set_voice_ai_end(Some("ended"), Some("customer-ended-call"));
    /// assert_eq!(call.status, Status::Completed);
    /// assert_eq!(call.hangup.unwrap().source, HangupSource::Callee);
    /// ```
    pub fn set_voice_ai_end(&mut self, status: Option<&str>, ended_reason: Option<&str>) {
        self.hangup = Hangup::resolve(None, ended_reason).map(|h| h.oriented(self.direction));
        let connected = self.transcript.as_ref().is_some_and(|t| !t.is_empty());
        self.status = Status::of_voice_ai(status, self.hangup.as_ref(), connected);
    }

    /// Places the customer and the account's own line by the call's
    /// direction, as voice-AI call objects give them (Vapi's `customer` and
    /// `phoneNumber`, SuperU's after it): an inbound call comes from the
    /// customer to the line, any other goes from the line to the customer.
    /// Numbers are kept in E.164 only; the customer is also the contact.
    /// Set [`Call::direction`] first.
    ///
    /// ```
    /// use calllogs_core::{Call, Direction};
    /// let mut call = Call::new("vapi", "c1");
    /// call.direction = Direction::Inbound;
    /// call.set_customer_and_line(Some("+1 555 555 0142"), Some("Ann".into()), Some("+15555550100"));
    /// assert_eq!(call.from.as_deref(), Some("+15555550142"));
    /// assert_eq!(call.to.as_deref(), Some("+15555550100"));
    /// assert_eq!(call.contact.unwrap().name.as_deref(), Some("Ann"));
    /// ```
    pub fn set_customer_and_line(
        &mut self,
        customer: Option<&str>,
        customer_name: Option<String>,
        line: Option<&str>,
    ) {
        let customer_number = customer.and_then(crate::parse::e164);
        let line = line.and_then(crate::parse::e164);
        (self.from, self.to) = match self.direction {
            Direction::Inbound => (customer_number.clone(), line),
            _ => (line, customer_number.clone()),
        };
        if customer.is_some() || customer_name.is_some() {
            self.contact = Some(Contact::new(None, customer_name, customer_number));
        }
    }
}

/// A provider's original record, kept as the JSON text it came in (on one
/// line), so keeping it costs a copy, not a parse, and nothing in it is
/// rounded or reordered.
///
/// ```
/// use calllogs_core::Raw;
/// let raw = Raw::from_value(&serde_json::json!({"cost": 0.1}));
/// assert_eq!(raw.get(), r#"{"cost":0.1}"#);
/// assert_eq!(raw.to_value()["cost"], 0.1);
/// ```
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Raw(Box<serde_json::value::RawValue>);

impl Raw {
    /// The record as borrowed from a response body. Pretty-printed input is
    /// made compact, so a record is always one line of NDJSON.
    pub fn new(raw: &serde_json::value::RawValue) -> Raw {
        if memchr::memchr2(b'\n', b'\r', raw.get().as_bytes()).is_some()
            && let Ok(v) = serde_json::from_str::<Value>(raw.get())
        {
            return Raw::from_value(&v);
        }
        Raw(raw.to_owned())
    }
    /// The record from a JSON value.
    pub fn from_value(v: &Value) -> Raw {
        serde_json::value::to_raw_value(v)
            .map(Raw)
            .unwrap_or_default()
    }
    /// The JSON text.
    pub fn get(&self) -> &str {
        self.0.get()
    }
    /// The record parsed.
    pub fn to_value(&self) -> Value {
        serde_json::from_str(self.0.get()).unwrap_or(Value::Null)
    }
}

impl Default for Raw {
    fn default() -> Self {
        Raw(serde_json::value::RawValue::NULL.to_owned())
    }
}

impl PartialEq for Raw {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

/// The direction of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Into the account.
    Inbound,
    /// Out of the account.
    Outbound,
    /// Not known.
    #[default]
    #[serde(other)]
    Unknown,
}

impl Direction {
    /// `inbound`, `outbound` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
            Direction::Unknown => "unknown",
        }
    }

    /// Reads a provider's direction word: `inbound`/`in`/`incoming`,
    /// `outbound`/`out`/`outgoing` (any case); anything else is unknown.
    pub fn parse_loose(s: &str) -> Direction {
        match crate::parse::lower(s).as_ref() {
            "inbound" | "in" | "incoming" => Direction::Inbound,
            "outbound" | "out" | "outgoing" => Direction::Outbound,
            _ => Direction::Unknown,
        }
    }
}

impl std::str::FromStr for Direction {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match Direction::parse_loose(s) {
            Direction::Unknown => Err(format!(
                "unknown direction {s:?} (expected inbound or outbound)"
            )),
            d => Ok(d),
        }
    }
}

/// One outcome across providers.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default, PartialOrd, Ord,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Status {
    /// Answered and ended.
    Completed,
    /// Rang out unanswered.
    NoAnswer,
    /// The other side was busy.
    Busy,
    /// Could not be set up.
    Failed,
    /// Canceled before answer.
    Canceled,
    /// Inbound, not taken by anyone.
    Missed,
    /// Inbound, the caller gave up while waiting.
    Abandoned,
    /// Still going.
    InProgress,
    /// Not known.
    #[default]
    #[serde(other)]
    Unknown,
}

impl Status {
    /// Every status.
    pub const ALL: &'static [Status] = &[
        Status::Completed,
        Status::NoAnswer,
        Status::Busy,
        Status::Failed,
        Status::Canceled,
        Status::Missed,
        Status::Abandoned,
        Status::InProgress,
        Status::Unknown,
    ];

    /// The snake_case identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Completed => "completed",
            Status::NoAnswer => "no_answer",
            Status::Busy => "busy",
            Status::Failed => "failed",
            Status::Canceled => "canceled",
            Status::Missed => "missed",
            Status::Abandoned => "abandoned",
            Status::InProgress => "in_progress",
            Status::Unknown => "unknown",
        }
    }

    /// The status named by its identifier (`no_answer`), as [`Status::as_str`]
    /// writes it; `None` for anything else.
    pub fn from_id(s: &str) -> Option<Status> {
        Status::ALL.iter().copied().find(|st| st.as_str() == s)
    }

    /// The outcome of a voice-AI call object (Vapi's, and SuperU's which
    /// follows it): its `status` (`queued`, `ringing`, `in-progress`,
    /// `forwarding`, `scheduled`, `ended`, …) and, once ended, the cause its
    /// ended reason maps to: a call that was up (someone hung up, a timer
    /// ended it, a machine answered) is completed, the others follow the
    /// cause. A call that `connected` (a conversation took place) and then
    /// ended on an error was answered: completed, the error its cause, so
    /// the answer rate counts it.
    ///
    /// ```
    /// use calllogs_core::{Hangup, Status};
    /// let busy = Hangup::resolve(None, Some("customer-busy"));
    /// assert_eq!(Status::of_voice_ai(Some("ended"), busy.as_ref(), false), Status::Busy);
    /// assert_eq!(Status::of_voice_ai(Some("ringing"), None, false), Status::InProgress);
    /// let failed = Hangup::resolve(None, Some("pipeline-error-openai-llm-failed"));
    /// assert_eq!(Status::of_voice_ai(Some("ended"), failed.as_ref(), false), Status::Failed);
    /// assert_eq!(Status::of_voice_ai(Some("ended"), failed.as_ref(), true), Status::Completed);
    /// ```
    pub fn of_voice_ai(status: Option<&str>, hangup: Option<&Hangup>, connected: bool) -> Status {
        if status.is_some_and(crate::parse::is_pending_status) {
            return Status::InProgress;
        }
        let s = status.map(|s| s.trim().to_ascii_lowercase().replace('_', "-"));
        match s.as_deref() {
            Some("failed" | "error") => Status::Failed,
            Some("busy") => Status::Busy,
            Some("no-answer") => Status::NoAnswer,
            Some("canceled" | "cancelled") => Status::Canceled,
            Some("ended" | "completed") | None => match hangup.map(|h| h.cause) {
                None if s.is_some() => Status::Completed,
                None => Status::Unknown,
                Some(cause) => match cause.category() {
                    Category::NormalCompletion | Category::Timeout => Status::Completed,
                    _ if cause == HangupCause::MachineDetected => Status::Completed,
                    _ => Status::from_cause(connected, cause),
                },
            },
            Some(_) => Status::Unknown,
        }
    }

    /// The outcome of an ended call from whether it was answered and why it
    /// ended: answered calls are completed; unanswered ones are no-answer,
    /// busy, canceled or failed by the cause's meaning.
    ///
    /// ```
    /// use calllogs_core::{HangupCause, Status};
    /// assert_eq!(Status::from_cause(false, HangupCause::BusyLine), Status::Busy);
    /// assert_eq!(Status::from_cause(true, HangupCause::BusyLine), Status::Completed);
    /// assert_eq!(Status::from_cause(false, HangupCause::InvalidAnswerXml), Status::Failed);
    /// ```
    pub fn from_cause(answered: bool, cause: HangupCause) -> Status {
        use HangupCause as C;
        if answered {
            return Status::Completed;
        }
        match cause {
            C::NoAnswer | C::RingTimeoutReached | C::LostRace => Status::NoAnswer,
            C::BusyLine | C::BusyEverywhere => Status::Busy,
            C::Canceled
            | C::CanceledOutOfCredits
            | C::CanceledSimultaneousDialLimitReached
            | C::ShortAbandoned
            | C::AbandonedInIvr
            | C::AbandonedInQueue => Status::Canceled,
            C::OutOfOpeningHours | C::NoAvailableAgent => Status::NoAnswer,
            // Someone hung up before the call was answered.
            C::NormalHangup | C::AgentHangup => Status::Canceled,
            C::Unknown | C::Other => Status::Unknown,
            _ => Status::Failed,
        }
    }
}

impl Status {
    /// A provider's coarse outcome made precise by the hangup cause: a
    /// "failed" or "not answered" call whose line was busy is `busy`; a
    /// "failed" one that rang out is `no_answer`. Other outcomes stay.
    ///
    /// ```
    /// use calllogs_core::{HangupCause, Status};
    /// assert_eq!(Status::Failed.refined_by(Some(HangupCause::BusyLine)), Status::Busy);
    /// assert_eq!(Status::NoAnswer.refined_by(Some(HangupCause::BusyEverywhere)), Status::Busy);
    /// assert_eq!(Status::Failed.refined_by(Some(HangupCause::RingTimeoutReached)), Status::NoAnswer);
    /// assert_eq!(Status::Completed.refined_by(Some(HangupCause::BusyLine)), Status::Completed);
    /// ```
    pub fn refined_by(self, cause: Option<HangupCause>) -> Status {
        use HangupCause as C;
        match (self, cause) {
            (Status::Failed | Status::NoAnswer, Some(C::BusyLine | C::BusyEverywhere)) => {
                Status::Busy
            }
            (Status::Failed, Some(C::NoAnswer | C::RingTimeoutReached)) => Status::NoAnswer,
            (s, _) => s,
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let k = crate::taxonomy::key(s).replace(' ', "_");
        Status::ALL
            .iter()
            .copied()
            .find(|st| st.as_str() == k)
            .ok_or_else(|| {
                let all: Vec<_> = Status::ALL.iter().map(|s| s.as_str()).collect();
                format!("unknown status {s:?} (expected one of {})", all.join(", "))
            })
    }
}

/// Why and by whom a call ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Hangup {
    /// The cause in the taxonomy, `other` when nothing fits.
    pub cause: HangupCause,
    /// Its category.
    pub category: Category,
    /// Who hung up, where known.
    pub source: HangupSource,
    /// The provider's code as a string (Plivo `8011`).
    pub provider_code: Option<String>,
    /// The provider's own words, unchanged.
    pub provider_reason: Option<String>,
    /// The Q.850 cause number where one fits.
    pub q850: Option<u16>,
    /// The SIP response code where one fits.
    pub sip: Option<u16>,
}

impl Hangup {
    /// A hangup of a known cause, with the cause's own codes.
    pub fn of(cause: HangupCause) -> Self {
        Hangup {
            cause,
            category: cause.category(),
            source: HangupSource::Unknown,
            provider_code: None,
            provider_reason: None,
            q850: cause.q850(),
            sip: cause.sip(),
        }
    }

    /// Resolves a provider's code and/or words: the code first (Plivo's
    /// numeric codes), the words as fallback; the words are kept as
    /// `provider_reason` either way. `None` when neither is given.
    ///
    /// ```
    /// use calllogs_core::{Hangup, HangupCause};
    /// let h = Hangup::resolve(Some("3010"), Some("Busy Line")).unwrap();
    /// assert_eq!(h.cause, HangupCause::BusyLine);
    /// assert_eq!(h.provider_code.as_deref(), Some("3010"));
    /// let h = Hangup::resolve(None, Some("a brand new reason")).unwrap();
    /// assert_eq!(h.cause, HangupCause::Other);
    /// assert_eq!(h.provider_reason.as_deref(), Some("a brand new reason"));
    /// ```
    pub fn resolve(code: Option<&str>, reason: Option<&str>) -> Option<Hangup> {
        let code = code.map(str::trim).filter(|c| !c.is_empty());
        let reason = reason.filter(|r| !r.trim().is_empty());
        if code.is_none() && reason.is_none() {
            return None;
        }
        let by_code = code
            .and_then(|c| c.parse::<u16>().ok())
            .and_then(HangupCause::from_plivo_code)
            .map(|cause| crate::taxonomy::Resolved {
                cause,
                q850: cause.q850(),
                sip: cause.sip(),
                source: None,
            });
        let resolved = by_code.or_else(|| reason.and_then(HangupCause::lookup));
        let mut hangup = match resolved {
            Some(r) => Hangup {
                source: r.source.unwrap_or_default(),
                q850: r.q850,
                sip: r.sip,
                ..Hangup::of(r.cause)
            },
            None => Hangup::of(HangupCause::Other),
        };
        hangup.provider_code = code.map(str::to_string);
        hangup.provider_reason = reason.map(str::to_string);
        Some(hangup)
    }

    /// What [`Hangup::resolve`] makes of a provider's words alone (no code):
    /// what every provider's mapping does with its reason, and so what
    /// `calllogs explain` says of it. `None` when the words are a call
    /// status that is not an end (`queued`, `ringing`, `in-progress`…).
    ///
    /// ```
    /// use calllogs_core::{Hangup, HangupCause};
    /// assert_eq!(Hangup::explain_words("customer-busy").unwrap().cause, HangupCause::BusyLine);
    /// assert_eq!(Hangup::explain_words("8011").unwrap().cause, HangupCause::Other);
    /// assert!(Hangup::explain_words("ringing").is_none());
    /// ```
    pub fn explain_words(reason: &str) -> Option<Hangup> {
        let reason = reason.trim();
        let h =
            Hangup::resolve(None, Some(reason)).unwrap_or_else(|| Hangup::of(HangupCause::Other));
        // Words the taxonomy does not know that name a status: not an end.
        (h.cause != HangupCause::Other || !crate::parse::is_pending_status(reason)).then_some(h)
    }

    /// A free-text end reason (a sentence, not a code) of a call in
    /// `direction`: a name or family the taxonomy knows, else the first
    /// phrase of [`crate::taxonomy::PHRASES`] found in it, else `other`;
    /// the words are always kept. A customer-side source is put on the
    /// right side for the direction.
    ///
    /// ```
    /// use calllogs_core::{Direction, Hangup, HangupCause, HangupSource};
    /// let h = Hangup::from_text("Client disconnected: 1000", Direction::Outbound).unwrap();
    /// assert_eq!((h.cause, h.source), (HangupCause::NormalHangup, HangupSource::Callee));
    /// assert_eq!(h.provider_reason.as_deref(), Some("Client disconnected: 1000"));
    /// let h = Hangup::from_text("a brand new sentence", Direction::Inbound).unwrap();
    /// assert_eq!(h.cause, HangupCause::Other);
    /// assert!(Hangup::from_text("  ", Direction::Inbound).is_none());
    /// ```
    pub fn from_text(text: &str, direction: Direction) -> Option<Hangup> {
        let mut h = Hangup::resolve(None, Some(text))?;
        if h.cause == HangupCause::Other
            && let Some((cause, source)) = HangupCause::from_phrase(text)
        {
            h = Hangup {
                source: source.unwrap_or_default(),
                provider_reason: h.provider_reason,
                ..Hangup::of(cause)
            };
        }
        Some(h.oriented(direction))
    }

    /// Voice-AI reasons speak of "the customer", who is the caller of an
    /// inbound call and the callee of an outbound one: this puts the source
    /// on the right side for the call's direction.
    ///
    /// ```
    /// use calllogs_core::{Direction, Hangup, HangupSource};
    /// let h = Hangup::resolve(None, Some("customer-ended-call")).unwrap();
    /// assert_eq!(h.clone().oriented(Direction::Inbound).source, HangupSource::Caller);
    /// assert_eq!(h.oriented(Direction::Outbound).source, HangupSource::Callee);
    /// ```
    pub fn oriented(mut self, direction: Direction) -> Self {
        // Retell and ElevenLabs call the customer "the user"; a free-text
        // reason read by a phrase about the customer ("client disconnected",
        // "declined") is about them too.
        let about_customer = self.provider_reason.as_deref().is_some_and(|r| {
            crate::parse::contains_ignore_case(r, "customer")
                || crate::parse::contains_ignore_case(r, "user")
                || (HangupCause::lookup(r).is_none()
                    && matches!(
                        HangupCause::from_phrase(r),
                        Some((_, Some(HangupSource::Caller)))
                    ))
        });
        if about_customer && direction == Direction::Outbound && self.source == HangupSource::Caller
        {
            self.source = HangupSource::Callee;
        }
        self
    }

    /// Sets who hung up, unless the source is unknown (keeps what the words said).
    pub fn with_source(mut self, source: HangupSource) -> Self {
        if source != HangupSource::Unknown {
            self.source = source;
        }
        self
    }
}

/// What a call cost: the amount as the provider's decimal string, never a float.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cost {
    /// The decimal amount as the provider wrote it (`"0.01667"`).
    pub amount: String,
    /// ISO 4217 currency (`USD`).
    pub currency: String,
}

impl Cost {
    /// A cost in `currency`.
    pub fn new(amount: impl Into<String>, currency: impl Into<String>) -> Self {
        Cost {
            amount: amount.into(),
            currency: currency.into(),
        }
    }
}

/// A person or AI agent on the call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub struct Agent {
    /// The provider's agent id.
    pub id: Option<String>,
    /// The agent's name or alias.
    pub name: Option<String>,
    /// `human` or `ai`, where known.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none", default)]
    pub kind: Option<String>,
    /// Whether this agent answered the call, where the provider says.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub answered: Option<bool>,
    /// Whether this agent transferred the call, where the provider says.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub transferred: Option<bool>,
    /// Why this agent's leg ended, where the provider says.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub hangup: Option<Hangup>,
    /// Anything else the provider says of the agent.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub extra: Option<Value>,
}

impl Agent {
    /// An agent with an id and a name.
    pub fn new(id: Option<String>, name: Option<String>) -> Self {
        Agent {
            id,
            name,
            ..Agent::default()
        }
    }
}

/// The customer or contact of a call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub struct Contact {
    /// The provider's contact id.
    pub id: Option<String>,
    /// The contact's name.
    pub name: Option<String>,
    /// The contact's number (E.164 where known).
    pub number: Option<String>,
}

impl Contact {
    /// A contact.
    pub fn new(id: Option<String>, name: Option<String>, number: Option<String>) -> Self {
        Contact { id, name, number }
    }
}

/// Something a provider names by id and name: a campaign, a queue, an IVR.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Named {
    /// The provider's id.
    pub id: Option<String>,
    /// Its name.
    pub name: Option<String>,
}

/// A campaign.
pub type Campaign = Named;

/// The disposition (wrap-up code) an agent gave a call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Disposition {
    /// The provider's id.
    pub id: Option<String>,
    /// The code or label (`Successful Deal`).
    pub code: Option<String>,
    /// The agent's note.
    pub note: Option<String>,
}

/// A recording of the call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Recording {
    /// The provider's recording id.
    pub id: Option<String>,
    /// Where to fetch it.
    pub url: Option<String>,
}

/// One speaker turn of a transcript.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Turn {
    /// Who spoke (`agent`, `user`, `assistant`, … as the provider says).
    pub speaker: Option<String>,
    /// What was said.
    pub text: String,
    /// When, where the provider says.
    pub at: Option<DateTime<Utc>>,
}
