//! Invite emails: plain text + HTML from the templates in assets/email/, sent over SMTP with
//! lettre, or written as .eml files to an outbox folder when no SMTP server is configured
//! (development).

use super::html::{escape, fill};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use std::time::Duration;
use time::OffsetDateTime;

const TEXT_TEMPLATE: &str = include_str!("../../assets/email/invite.txt");
const HTML_TEMPLATE: &str = include_str!("../../assets/email/invite.html");

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain text: only for a relay on the same machine (and tests).
    None,
    /// Plain connection upgraded with STARTTLS, which is required (usually port 587).
    StartTls,
    /// TLS from the first byte (usually port 465).
    Tls,
}

impl std::str::FromStr for TlsMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" | "plain" => Ok(TlsMode::None),
            "starttls" => Ok(TlsMode::StartTls),
            "tls" | "smtps" => Ok(TlsMode::Tls),
            other => Err(format!(
                "\"{other}\" is not a TLS mode; use none, starttls or tls"
            )),
        }
    }
}

#[derive(Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    /// User name and password, if the server wants them.
    pub credentials: Option<(String, String)>,
    pub timeout: Duration,
}

// The password never goes to a log, even through Debug.
impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("credentials", &self.credentials.as_ref().map(|(u, _)| u))
            .finish()
    }
}

#[derive(Debug, Clone)]
pub enum MailTransport {
    Smtp(SmtpConfig),
    /// Write each email as a .eml file into this folder.
    Outbox(PathBuf),
}

#[derive(Debug, Clone)]
pub struct MailConfig {
    /// The From address, e.g. `Atender <no-reply@example.com>`.
    pub from: String,
    pub transport: MailTransport,
}

impl MailConfig {
    pub fn outbox(dir: PathBuf) -> Self {
        MailConfig {
            from: "Atender <no-reply@localhost>".into(),
            transport: MailTransport::Outbox(dir),
        }
    }
}

/// What an invite email says.
pub struct InviteEmail<'a> {
    pub to: &'a str,
    pub to_name: &'a str,
    pub workspace: &'a str,
    pub workspace_slug: &'a str,
    pub inviter: &'a str,
    pub link: &'a str,
    pub expires_at: OffsetDateTime,
}

impl InviteEmail<'_> {
    fn values(&self) -> [(&'static str, String); 6] {
        [
            ("name", self.to_name.to_string()),
            ("workspace", self.workspace.to_string()),
            ("slug", self.workspace_slug.to_string()),
            ("inviter", self.inviter.to_string()),
            ("link", self.link.to_string()),
            ("expires", format_expiry(self.expires_at)),
        ]
    }

    pub fn subject(&self) -> String {
        format!(
            "{} invited you to {} on Atender",
            self.inviter, self.workspace
        )
    }

    pub fn text(&self) -> String {
        fill(TEXT_TEMPLATE, &self.values(), |s| s.to_string())
    }

    pub fn html(&self) -> String {
        fill(HTML_TEMPLATE, &self.values(), escape)
    }
}

pub fn format_expiry(at: OffsetDateTime) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_else(|_| at.to_string())
}

pub enum Mailer {
    Smtp {
        from: Mailbox,
        transport: AsyncSmtpTransport<Tokio1Executor>,
    },
    Outbox {
        from: Mailbox,
        transport: AsyncFileTransport<Tokio1Executor>,
        /// The outbox folder: each message is `ID.eml` in it, owner-only (it holds a link).
        dir: std::path::PathBuf,
    },
}

impl Mailer {
    pub fn new(config: &MailConfig) -> Result<Mailer, super::StartError> {
        use super::StartError;
        let from: Mailbox = config.from.parse().map_err(|e| {
            StartError::Mail(format!(
                "the mail From address \"{}\" is not valid ({e}); use e.g. \"Atender <no-reply@example.com>\"",
                config.from
            ))
        })?;
        Ok(match &config.transport {
            MailTransport::Outbox(dir) => {
                crate::store::owner_only::create_owner_only_dir(dir).map_err(|source| {
                    StartError::Io {
                        what: format!("creating the outbox {}", dir.display()),
                        source,
                    }
                })?;
                crate::store::owner_only::tighten_and_say(dir, "the outbox");
                Mailer::Outbox {
                    from,
                    transport: AsyncFileTransport::new(dir),
                    dir: dir.clone(),
                }
            }
            MailTransport::Smtp(smtp) => {
                type T = AsyncSmtpTransport<Tokio1Executor>;
                let tls_error = |e: lettre::transport::smtp::Error| {
                    StartError::Mail(format!("setting up TLS to {}: {e}", smtp.host))
                };
                let builder = match smtp.tls {
                    TlsMode::None => T::builder_dangerous(&smtp.host),
                    TlsMode::StartTls => T::starttls_relay(&smtp.host).map_err(tls_error)?,
                    TlsMode::Tls => T::relay(&smtp.host).map_err(tls_error)?,
                };
                let mut builder = builder.port(smtp.port).timeout(Some(smtp.timeout));
                if let Some((user, password)) = &smtp.credentials {
                    builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
                }
                Mailer::Smtp {
                    from,
                    transport: builder.build(),
                }
            }
        })
    }

    /// Sends one invite email. The error is for the admin to read (no secrets in it).
    pub async fn send(&self, email: &InviteEmail<'_>) -> Result<(), String> {
        let from = match self {
            Mailer::Smtp { from, .. } | Mailer::Outbox { from, .. } => from.clone(),
        };
        let to = Mailbox::new(
            Some(email.to_name.to_string()),
            email
                .to
                .parse()
                .map_err(|e| format!("the address {} can't be mailed: {e}", email.to))?,
        );
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(email.subject())
            .multipart(MultiPart::alternative_plain_html(
                email.text(),
                email.html(),
            ))
            .map_err(|e| format!("building the email failed: {e}"))?;
        match self {
            Mailer::Smtp { transport, .. } => transport
                .send(message)
                .await
                .map(drop)
                .map_err(|e| format!("the mail server refused or could not be reached: {e}")),
            Mailer::Outbox { transport, dir, .. } => {
                let id = transport
                    .send(message)
                    .await
                    .map_err(|e| format!("writing to the outbox failed: {e}"))?;
                // lettre creates the file with the process's umask
                crate::store::owner_only::tighten(&dir.join(format!("{id}.eml")))
                    .map(drop)
                    .map_err(|e| format!("making the outbox message owner-only failed: {e}"))
            }
        }
    }
}
