//! `calllogs listen`: the home of the webhook path, in the making. The
//! providers push an event when a call ends (Twilio's status callback,
//! Plivo's hangup URL, Vapi's end-of-call report, Retell's `call_ended`,
//! Telnyx's `call.hangup`); this crate will verify each against its
//! provider's signature scheme, keep it durably, parse it into the same
//! [`calllogs_core::Call`] the poller makes (the same id, so both paths meet
//! on one row) and reconcile the two.
//!
//! Its place in the layout: it depends on `calllogs-core` (and, with the
//! server, on `calllogs-store` for the rows it writes); provider crates
//! plug in an optional `webhook` module; nothing provider-specific lives
//! here. Nothing is implemented yet: the webhooks issue builds it.

#![warn(missing_docs)]
