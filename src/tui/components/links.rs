//! Freshly issued invite links, shown once: one after an invite or a resend, or every new link
//! of a bulk resend in one list. `y` copies them (the clipboard code), `w` writes them to a file
//! (CSV `email,link`, readable only by you, as `invite --csv --links` does); a failed write
//! keeps the dialog and says why.

use super::{Action, Component, Ctx, EventState, Queue};
use crate::Result;
use crate::text::safe;
use crate::tui::effects::{Effect, Reply};
use crate::tui::keys::{Dialog, DialogKey as K, Hint, HintSpec, dialogs::hint};
use crate::tui::theme::Theme;
use crate::tui::widgets::{centered, hint_line, paste_into, popup};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

#[derive(Debug, Clone)]
pub struct Links {
    /// (email, link), in the order they were issued.
    pub items: Vec<(String, String)>,
    /// Why there are links to show: "Invite sent", "3 invites resent".
    pub title: String,
    pub scroll: usize,
    /// `w`: the path being typed.
    pub path: Option<Input>,
    pub error: Option<String>,
    /// A write is under way.
    pub busy: bool,
}

pub const BINDINGS: &[HintSpec] = &[
    hint(&[K::CopyLinks], "y", "send to the terminal's clipboard"),
    hint(&[K::WriteLinks], "w", "write to a file"),
    hint(&[K::Up, K::Down], "↑↓ j k", "scroll"),
    hint(&[K::LinksClose], "Esc", "close"),
];
const PATH_BINDINGS: &[HintSpec] = &[
    hint(&[K::LinksPathWrite], "Enter", "write"),
    hint(&[K::LinksPathBack], "Esc", "back"),
];

impl Links {
    pub fn one(email: String, link: String) -> Self {
        // Offline nothing is sent, and a resend makes a new link too: say what it is.
        Links::many("New invite link".into(), vec![(email, link)])
    }

    pub fn many(title: String, items: Vec<(String, String)>) -> Self {
        Links {
            items,
            title,
            scroll: 0,
            path: None,
            error: None,
            busy: false,
        }
    }

    /// What `y` copies: the link alone, or one `email link` line per invite.
    pub fn clipboard_text(&self) -> String {
        match self.items.as_slice() {
            [(_, link)] => link.clone(),
            items => items
                .iter()
                .map(|(email, link)| format!("{email} {link}\n"))
                .collect(),
        }
    }

    /// The file's content: CSV `email,link` with a header, as `invite --csv --links` writes.
    pub fn csv(&self) -> String {
        let mut out = String::from("email,link\n");
        for (email, link) in &self.items {
            out.push_str(&format!("{},{}\n", csv_field(email), csv_field(link)));
        }
        out
    }
}

/// RFC 4180: quoted when it holds a comma, a quote or a line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

impl Component for Links {
    fn on_key(&mut self, key: &KeyEvent, cx: &Ctx, out: &mut Queue) -> EventState {
        if self.busy {
            return EventState::Consumed;
        }
        if let Some(path) = &mut self.path {
            match cx.keymap.dialog(Dialog::LinksPath, key) {
                Some(K::LinksPathBack) => {
                    self.path = None;
                    self.error = None;
                }
                Some(_) => {
                    let path = path.value().trim().to_string();
                    if path.is_empty() {
                        self.error = Some("type the path of the file to write".into());
                    } else {
                        self.busy = true;
                        self.error = None;
                        out.push(Action::Request(Effect::WriteLinks {
                            path: path.into(),
                            contents: self.csv(),
                        }));
                    }
                }
                _ => {
                    if path
                        .handle_event(&crossterm::event::Event::Key(*key))
                        .is_some_and(|c| c.value)
                    {
                        self.error = None;
                    }
                }
            }
            return EventState::Consumed;
        }
        match cx.keymap.dialog(Dialog::Links, key) {
            Some(K::CopyLinks) => {
                let n = self.items.len();
                out.push(Action::Copy(
                    self.clipboard_text(),
                    if n == 1 {
                        "the invite link".into()
                    } else {
                        format!("{n} invite links")
                    },
                ));
            }
            Some(K::WriteLinks) => {
                self.error = None;
                self.path = Some(Input::new("invite-links.csv".into()));
            }
            Some(K::Down) => {
                self.scroll = (self.scroll + 1).min(self.items.len().saturating_sub(1))
            }
            Some(K::Up) => self.scroll = self.scroll.saturating_sub(1),
            Some(K::LinksClose) => out.push(Action::Close),
            _ => return EventState::NotConsumed,
        }
        EventState::Consumed
    }

    fn on_paste(&mut self, text: &str) -> EventState {
        match &mut self.path {
            Some(path) => {
                paste_into(path, text);
                EventState::Consumed
            }
            None => EventState::NotConsumed,
        }
    }

    fn on_reply(
        &mut self,
        _asked: &Effect,
        result: Result<Reply>,
        _cx: &Ctx,
        out: &mut Queue,
    ) -> Option<Result<Reply>> {
        match result {
            Ok(Reply::LinksWritten(result)) => {
                self.busy = false;
                match result {
                    Ok(path) => {
                        self.path = None;
                        out.push(Action::Notice(format!(
                            "wrote {} invite link{} to {}",
                            self.items.len(),
                            if self.items.len() == 1 { "" } else { "s" },
                            safe(&path)
                        )));
                    }
                    // The dialog stays, the path too: fix it and press Enter again.
                    Err(e) => self.error = Some(e),
                }
                None
            }
            other => Some(other),
        }
    }

    fn bindings(&self, cx: &Ctx) -> Vec<Hint> {
        cx.keymap.dialog_hints(if self.path.is_some() {
            PATH_BINDINGS
        } else {
            BINDINGS
        })
    }

    fn draw(&self, frame: &mut Frame, area: Rect, cx: &Ctx, theme: &Theme) {
        let width = area.width.saturating_sub(4).min(110);
        let inner_width = usize::from(width.saturating_sub(2)).max(1);
        let rows = |l: &Line| l.width().max(1).div_ceil(inner_width);
        let mut head = vec![];
        if let [(email, _)] = self.items.as_slice() {
            head.push(Line::styled(
                format!("Invite link for {}", safe(email)),
                theme.title(),
            ));
        } else {
            head.push(Line::styled(
                format!("{} new invite links", self.items.len()),
                theme.title(),
            ));
        }
        head.push(Line::raw(""));
        let one = self.items.len() == 1;
        head.push(Line::raw(match (cx.connected, one) {
            (true, true) => "The server emails it when it can; you can also deliver it yourself.",
            (true, false) => {
                "The server emails them when it can; you can also deliver them yourself."
            }
            (false, true) => "No email is sent from here: deliver this one-time link yourself.",
            (false, false) => "No email is sent from here: deliver these one-time links yourself.",
        }));
        head.push(Line::raw(if one {
            "Only its hash is stored: after you close this, it can't be shown again (resend for a new one)."
        } else {
            "Only their hash is stored: after you close this, they can't be shown again (resend for new ones)."
        }));
        head.push(Line::raw(""));
        let mut tail = vec![Line::raw("")];
        let mut cursor = None;
        if let Some(path) = &self.path {
            let label = "Write to: ";
            cursor = Some((tail.len(), label.chars().count() + path.visual_cursor()));
            tail.push(Line::from(vec![
                Span::styled(label, theme.title()),
                Span::styled(safe(path.value()), theme.focus()),
            ]));
        }
        if let Some(e) = &self.error {
            tail.push(Line::styled(format!("✗ {}", safe(e)), theme.error()));
        }
        if self.busy {
            tail.push(Line::styled("writing…", theme.accent()));
        }
        tail.push(hint_line(&self.bindings(cx), theme));
        // As many links as fit (each may wrap: a link is never cut), the rest a scroll away;
        // the hint line always shows.
        let item = |(email, link): &(String, String)| -> Vec<Line<'static>> {
            let link = Line::styled(safe(link), theme.accent());
            if self.items.len() == 1 {
                vec![link]
            } else {
                vec![Line::raw(safe(email)), link]
            }
        };
        let per_item = self
            .items
            .iter()
            .map(|i| item(i).iter().map(rows).sum::<usize>())
            .max()
            .unwrap_or(1);
        let fixed: usize = head.iter().chain(&tail).map(rows).sum::<usize>() + 1;
        let inner_height = usize::from(area.height.saturating_sub(4));
        let room = (inner_height.saturating_sub(fixed) / per_item).max(1);
        let start = self.scroll.min(self.items.len().saturating_sub(room));
        let mut lines = head;
        for i in self.items.iter().skip(start).take(room) {
            lines.extend(item(i));
        }
        if self.items.len() > room {
            lines.push(Line::styled(
                format!(
                    "{}–{} of {} · ↑↓ scroll",
                    start + 1,
                    (start + room).min(self.items.len()),
                    self.items.len()
                ),
                theme.dim(),
            ));
        }
        let cursor = cursor.map(|(row, x)| (lines.len() + row, x));
        lines.extend(tail);
        let h: usize = lines.iter().map(rows).sum();
        let rect = centered(area, width, h as u16 + 2);
        let (inner, block) = popup(frame, rect, &self.title, theme);
        frame.render_widget(block, rect);
        let cursor = cursor.map(|(row, x)| (lines[..row].iter().map(rows).sum::<usize>(), x));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        if let Some((y, x)) = cursor {
            frame.set_cursor_position((
                (inner.x + x as u16).min(inner.right().saturating_sub(1)),
                (inner.y + y as u16).min(inner.bottom().saturating_sub(1)),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_is_csv_with_a_header_and_quoted_fields() {
        let links = Links::many(
            "x".into(),
            vec![
                ("a@x.io".into(), "http://h/accept?token=1".into()),
                ("b,c@x.io".into(), "http://h/accept?token=2".into()),
            ],
        );
        assert_eq!(
            links.csv(),
            "email,link\na@x.io,http://h/accept?token=1\n\"b,c@x.io\",http://h/accept?token=2\n"
        );
        assert_eq!(
            links.clipboard_text(),
            "a@x.io http://h/accept?token=1\nb,c@x.io http://h/accept?token=2\n"
        );
    }
}
