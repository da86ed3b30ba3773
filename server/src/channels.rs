//! Channels beyond the in-app inbox: SMS to applicants, email to staff. A
//! county plugs its SMS gateway and mail relay in as [`Sender`]s; until
//! then each channel logs that it would have sent (see [`Logged`]). A leaf:
//! `services::notifications` writes the inbox and hands messages here.

use uuid::Uuid;

/// A delivery channel for notifications beyond the in-app inbox.
pub trait Sender: Send + Sync {
    /// `sms`, `email`, …
    fn channel(&self) -> &'static str;
    /// Delivers one message; called after its row is committed. The
    /// adapter finds the address of `message.user_id` in its own directory.
    fn send(&self, message: &Message) -> futures::future::BoxFuture<'static, anyhow::Result<()>>;
}

/// A channel in use.
pub type Channel = Box<dyn Sender>;

/// The channels beyond the inbox.
pub struct Channels {
    /// To applicants (reminders of 告知承诺 and 补正).
    pub sms: Channel,
    /// To staff (due and overdue work items).
    pub email: Channel,
}

impl Default for Channels {
    /// Both logged: no gateway is configured.
    fn default() -> Self {
        Self {
            sms: Box::new(Logged("sms")),
            email: Box::new(Logged("email")),
        }
    }
}

/// A channel without a gateway: it logs that a message would be sent (to
/// which account, never the number or address) and its text, which names
/// no person.
#[derive(Clone, Copy, Debug)]
pub struct Logged(pub &'static str);

impl Sender for Logged {
    fn channel(&self) -> &'static str {
        self.0
    }

    fn send(&self, message: &Message) -> futures::future::BoxFuture<'static, anyhow::Result<()>> {
        tracing::info!(
            channel = self.0,
            user = %message.user_id,
            kind = message.kind,
            text = %message.body,
            "message not sent (no gateway configured): logged instead"
        );
        Box::pin(async { Ok(()) })
    }
}

/// A message to write.
#[derive(Clone, Debug)]
pub struct Message {
    pub user_id: Uuid,
    pub submission_id: Option<Uuid>,
    pub work_item_id: Option<Uuid>,
    pub kind: &'static str,
    pub title: String,
    pub body: String,
}
