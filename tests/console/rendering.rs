//! What the console draws, through ratatui's TestBackend, checked with insta snapshots.
//! The snapshots are the screen as text; style checks (NO_COLOR, cursor, marks) read the
//! buffer's cells.

use crate::harness::*;
use atender_admin::domain::{PersonName, Role, UserStatus};
use atender_admin::store::{Store, TxMode};
use atender_admin::tui::theme::Theme;
use crossterm::event::KeyCode;
use insta::assert_snapshot;
use ratatui::style::{Color, Modifier};

fn screen(h: &Harness) -> String {
    h.screen()
}

#[tokio::test]
async fn each_tab() {
    let mut h = Harness::demo().await;
    assert_snapshot!("active_tab", screen(&h));
    h.key(KeyCode::Char('2'));
    assert_snapshot!("inactive_tab", screen(&h));
    h.key(KeyCode::Char('3'));
    assert_snapshot!("pending_tab", screen(&h));
}

#[tokio::test]
async fn filter_and_marks() {
    let mut h = Harness::demo().await;
    h.key(KeyCode::Char('/'));
    h.keys("night");
    assert_snapshot!("filter_typing", screen(&h));
    h.key(KeyCode::Enter);
    h.key(KeyCode::Char(' '));
    h.key(KeyCode::Char(' '));
    h.key(KeyCode::Char(' '));
    assert_snapshot!("filter_kept_with_marks", screen(&h));
    h.key(KeyCode::Char('/'));
    h.keys("zzz");
    assert_snapshot!("filter_no_match", screen(&h));
}

#[tokio::test]
async fn dialogs() {
    let mut h = Harness::demo().await;
    // confirmation with a predicted refusal: the Owner (oneself) and two agents
    h.key(KeyCode::Char(' '));
    h.key(KeyCode::Char('/'));
    let owner = h.owner.email.to_string();
    h.keys(&owner);
    h.key(KeyCode::Enter);
    h.key(KeyCode::Char(' '));
    h.key(KeyCode::Char('/'));
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('G'));
    h.key(KeyCode::Char(' '));
    h.press(KeyCode::Char('d')).await;
    assert_snapshot!("confirm_deactivate_with_refusal", screen(&h));
    h.press(KeyCode::Char('y')).await;
    assert_snapshot!("after_deactivate_summary", screen(&h));
    h.key(KeyCode::Char('D'));
    h.keys("nope");
    h.press(KeyCode::Enter).await;
    assert_snapshot!("delete_dialog_with_error", screen(&h));
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('?'));
    assert_snapshot!("help", screen(&h));
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('2'));
    h.press(KeyCode::Enter).await;
    assert_snapshot!("detail_pane_inactive", screen(&h));
    h.key(KeyCode::Esc);
    h.press(KeyCode::Char('L')).await;
    assert_snapshot!("activity_log", screen(&h));
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('3'));
    h.press(KeyCode::Char('x')).await;
    assert_snapshot!("confirm_cancel_invite", screen(&h));
}

#[tokio::test]
async fn forms_with_validation_errors() {
    let mut h = Harness::demo().await;
    h.key(KeyCode::Char('i'));
    assert_snapshot!("invite_form_empty", screen(&h));
    h.keys("bob@");
    h.key(KeyCode::Tab);
    h.keys("Bob \u{1b}[31mRed");
    h.ctrl('s');
    h.settle().await;
    assert_snapshot!("invite_form_errors", screen(&h));
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('y'));
    // the Owner, removing their own Owner role: the core refuses (last Owner)
    h.key(KeyCode::Char('/'));
    let owner = h.owner.email.to_string();
    h.keys(&owner);
    h.key(KeyCode::Enter);
    h.key(KeyCode::Char('e'));
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab);
    h.key(KeyCode::Char(' ')); // Owner off
    h.key(KeyCode::Right);
    h.key(KeyCode::Char(' ')); // Admin on
    h.ctrl('s');
    h.settle().await;
    assert_snapshot!("edit_form_last_owner", screen(&h));
    h.key(KeyCode::BackTab);
    h.key(KeyCode::BackTab);
    for _ in 0..60 {
        h.key(KeyCode::Backspace);
    }
    h.keys("   ");
    h.ctrl('s');
    h.settle().await;
    assert_snapshot!("edit_form_errors", screen(&h));
}

#[tokio::test]
async fn invite_link_shown_once() {
    let mut h = Harness::demo().await;
    h.key(KeyCode::Char('i'));
    h.keys("new@acme.io");
    h.key(KeyCode::Tab);
    h.keys("New Person");
    h.ctrl('s');
    h.settle().await;
    let text = screen(&h);
    assert!(
        text.contains("https://atender.example/accept?token="),
        "{text}"
    );
    // the token is random: blank it for the snapshot
    let token_at = text.find("token=").unwrap() + 6;
    let masked: String = text
        .lines()
        .map(|l| {
            if l.contains("token=") {
                l.replace(&text[token_at..token_at + 43], &"T".repeat(43))
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert_snapshot!("invite_link", masked);
}

#[tokio::test]
async fn too_small() {
    let mut h = Harness::demo().await;
    h.app.on_resize(79, 23);
    assert_snapshot!("too_small", screen(&h));
}

#[tokio::test]
async fn no_color_keeps_cursor_marks_and_errors_visible() {
    let mut h = Harness::demo().await;
    h.key(KeyCode::Char(' '));
    h.press(KeyCode::Char('d')).await;
    h.press(KeyCode::Char('y')).await; // 1 deactivated
    h.key(KeyCode::Char(' ')); // mark the new first row
    let backend = h.render(Theme { color: false });
    let buffer = backend.buffer();
    for cell in buffer.content() {
        assert_eq!(cell.fg, Color::Reset, "no colour under NO_COLOR: {cell:?}");
        assert_eq!(cell.bg, Color::Reset);
    }
    // the cursor row (row 3: header, tabs, table header, first row… now the second row)
    let row = |y: u16| {
        (0..buffer.area.width)
            .map(|x| buffer[(x, y)].clone())
            .collect::<Vec<_>>()
    };
    let cursor_y = 3 + h.app.view().cursor as u16;
    assert!(
        row(cursor_y)
            .iter()
            .skip(2)
            .take(20)
            .all(|c| c.modifier.contains(Modifier::REVERSED))
    );
    // the mark glyph and the mark count
    assert_eq!(row(3)[0].symbol(), "●");
    assert!(backend.to_string().contains("1 marked"));
    // errors are bold
    let status = row(buffer.area.height - 2);
    assert!(
        status
            .iter()
            .skip(1)
            .take(5)
            .all(|c| c.modifier.contains(Modifier::BOLD))
            || h.app.last_notice().is_some_and(|n| !n.error)
    );
    assert_snapshot!("no_color", backend.to_string());
}

#[tokio::test]
async fn names_holding_escape_sequences_never_reach_the_terminal() {
    let mut h = Harness::demo().await;
    // As an older store or a misbehaving server might hand it over: the core refuses such names.
    let evil = "Evil\u{1b}[2J\u{1b}]52;c;cHduZWQ=\u{7}\u{9b}31m\u{202e}lived\u{2066}";
    let mut u = h.user(h.owner.email.as_str());
    u.id = atender_admin::domain::UserId::new();
    u.email = atender_admin::domain::Email::parse("evil@demo-support.example").unwrap();
    u.full_name = PersonName::unchecked(evil);
    u.display_name = PersonName::unchecked(evil);
    u.roles = atender_admin::domain::Roles::one(Role::Agent);
    u.status = UserStatus::Active;
    h.core
        .store()
        .transact(TxMode::Commit, &|tx| tx.put_user(&u))
        .unwrap();
    h.ctrl('r');
    h.settle().await;
    h.key(KeyCode::Char('/'));
    h.keys("evil@");
    h.key(KeyCode::Enter);
    let backend = h.render(Theme { color: true });
    for cell in backend.buffer().content() {
        assert!(
            !cell.symbol().chars().any(atender_admin::text::is_unsafe),
            "unsafe character reached a cell: {:?}",
            cell.symbol()
        );
    }
    assert_snapshot!("escape_sequences_neutralised", backend.to_string());
    h.press(KeyCode::Enter).await;
    let backend = h.render(Theme { color: true });
    assert!(
        backend
            .buffer()
            .content()
            .iter()
            .all(|c| !c.symbol().chars().any(atender_admin::text::is_unsafe))
    );
}

#[tokio::test]
async fn wide_characters_keep_columns_aligned() {
    let mut h = Harness::demo().await;
    h.key(KeyCode::Char('/'));
    h.keys("zhiming");
    h.key(KeyCode::Enter);
    let text = screen(&h);
    let header = text.lines().nth(2).unwrap();
    let row = text.lines().nth(3).unwrap();
    assert!(row.contains("陳 志明"), "{row}");
    // the Email column starts at the same display column in the header and in the CJK row
    let col = |line: &str, needle: &str| {
        let byte = line.find(needle).unwrap();
        unicode_width::UnicodeWidthStr::width(&line[..byte])
    };
    assert_eq!(col(header, "Email"), col(row, "chen.zhiming"));
}

#[tokio::test]
async fn leaving_forms_asks_first() {
    let mut h = Harness::demo().await;
    h.key(KeyCode::Char('i'));
    h.keys("half@typed.io");
    h.key(KeyCode::Esc);
    assert_snapshot!("confirm_discard_form", screen(&h));
    h.key(KeyCode::Char('n'));
    h.ctrl('c');
    assert_snapshot!("confirm_quit_with_input", screen(&h));
}

#[tokio::test]
async fn bulk_pickers() {
    let mut h = Harness::demo().await;
    h.key(KeyCode::Char(' '));
    h.key(KeyCode::Char(' '));
    h.key(KeyCode::Char('o'));
    assert_snapshot!("roles_picker", screen(&h));
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('t'));
    h.key(KeyCode::Down);
    assert_snapshot!("team_picker", screen(&h));
}

#[tokio::test]
async fn teams_screen() {
    let mut h = Harness::demo().await;
    h.key(KeyCode::Char('T'));
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Char('D'));
    assert_snapshot!("teams_screen_delete_question", screen(&h));
}

#[tokio::test]
async fn transfer_ownership_from_the_detail_pane() {
    use atender_admin::store::Store;
    let mut h = Harness::demo().await;
    let users = h.core.store().users(h.ws.id).unwrap();
    let agent = users
        .iter()
        .find(|u| u.status == UserStatus::Active && u.roles.iter().eq([Role::Agent]))
        .unwrap()
        .clone();
    h.key(KeyCode::Char('/'));
    h.keys(agent.email.as_str());
    h.key(KeyCode::Enter);
    assert_eq!(h.current_email(), agent.email.as_str());
    h.press(KeyCode::Enter).await;
    assert!(h.screen().contains("O make this user the Owner"));
    h.press(KeyCode::Char('O')).await;
    assert_snapshot!("confirm_transfer_ownership", screen(&h));
    h.press(KeyCode::Char('y')).await;
    let owners: Vec<_> = h
        .core
        .store()
        .users(h.ws.id)
        .unwrap()
        .into_iter()
        .filter(|u| u.roles.is_owner())
        .collect();
    assert_eq!(owners.len(), 1);
    assert_eq!(owners[0].id, agent.id);
    assert!(h.screen().contains("is now the Owner; you are now Admin"));

    // an Admin (the former Owner now) is not offered it: O does nothing
    h.press(KeyCode::Enter).await;
    assert!(!h.screen().contains("make this user the Owner"));
    h.press(KeyCode::Char('O')).await;
    assert!(!h.screen().contains("the Owner?"));
}

/// The screen as a real terminal shows it: the frame drawn through crossterm into bytes, the
/// bytes read by a terminal emulator (ratatui's diff decides which cells are sent).
fn on_a_terminal(h: &Harness) -> vt100::Parser {
    use ratatui::backend::CrosstermBackend;
    use ratatui::{Terminal, TerminalOptions, Viewport};
    /// What crossterm wrote, kept after the terminal is done with it.
    #[derive(Clone, Default)]
    struct Written(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Written {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let (w, rows) = h.app.size();
    let written = Written::default();
    let backend = CrosstermBackend::new(written.clone());
    let viewport = Viewport::Fixed(ratatui::layout::Rect::new(0, 0, w, rows));
    let mut terminal = Terminal::with_options(backend, TerminalOptions { viewport }).unwrap();
    let theme = Theme { color: true };
    terminal
        .draw(|f| atender_admin::tui::ui::draw(f, &h.app, &theme))
        .unwrap();
    let mut parser = vt100::Parser::new(rows.try_into().unwrap(), w.try_into().unwrap(), 0);
    parser.process(&written.0.lock().unwrap());
    parser
}

#[tokio::test]
async fn the_table_at_80_columns_cuts_with_an_ellipsis_and_keeps_the_email() {
    let mut h = Harness::demo().await;
    h.app.on_resize(80, 24);
    h.app.prepare_frame();
    let text = screen(&h);
    assert!(
        text.contains("amelie.nguyen@demo-support.example"),
        "the email whole at 80 columns:\n{text}"
    );
    // Every address on every tab is whole at 80 columns (issue 20, point 9), the longest too.
    let whole = |text: &str| {
        for word in text.split_whitespace().filter(|w| w.contains('@')) {
            assert!(
                word.ends_with("demo-support.example") || word.ends_with("demo-support.example\""),
                "{word} is cut at 80 columns:\n{text}"
            );
        }
    };
    whole(&text);
    assert_snapshot!("active_tab_80x24", text);
    h.key(KeyCode::Char('2'));
    whole(&screen(&h));
    assert_snapshot!("inactive_tab_80x24", screen(&h));
    h.key(KeyCode::Char('3'));
    whole(&screen(&h));
    assert_snapshot!("pending_tab_80x24", screen(&h));
    // The longest address of the demo, found and shown whole.
    let longest = h
        .core
        .store()
        .users(h.owner.workspace)
        .unwrap()
        .into_iter()
        .filter(|u| u.status == UserStatus::Active)
        .map(|u| u.email.to_string())
        .max_by_key(|e| e.len())
        .unwrap();
    h.key(KeyCode::Char('1'));
    h.key(KeyCode::Char('/'));
    h.keys(&longest);
    h.key(KeyCode::Enter);
    let text = screen(&h);
    assert!(text.contains(&longest), "{longest} is cut:\n{text}");
}

#[tokio::test]
async fn the_position_readout_follows_the_cursor_and_the_filter() {
    let mut h = Harness::demo().await;
    let footer = |h: &Harness| h.screen().lines().nth(38).unwrap().to_string();
    assert!(footer(&h).contains(" 1/218 "), "{}", footer(&h));
    for _ in 0..34 {
        h.key(KeyCode::Char('j'));
    }
    assert!(footer(&h).contains(" 35/218 "), "{}", footer(&h));
    h.key(KeyCode::Char('G'));
    assert!(footer(&h).contains(" 218/218 "), "{}", footer(&h));
    h.key(KeyCode::Char('2'));
    assert!(
        footer(&h).contains(" 1/20 "),
        "each tab its own: {}",
        footer(&h)
    );
    h.key(KeyCode::Char('1'));
    h.key(KeyCode::Char('/'));
    h.keys("night");
    h.key(KeyCode::Enter);
    let matches = h.app.view().rows.len();
    assert!(matches > 1 && matches < 218);
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Char('j'));
    assert!(
        footer(&h).contains(&format!(" 3/{matches} ")),
        "the filtered count: {}",
        footer(&h)
    );
    assert_snapshot!("position_readout_filtered", screen(&h));
    // a notice longer than the line is cut with … and leaves the readout alone
    h.key(KeyCode::Char('3'));
    h.key(KeyCode::Char('/'));
    h.key(KeyCode::Esc);
    h.app.on_resize(80, 24);
    h.app.error("a message much longer than the footer of a terminal eighty columns wide, which must be cut");
    let line = h.screen().lines().nth(22).unwrap().to_string();
    assert!(
        line.contains("eighty columns wide,… ") && line.ends_with("/12 \""),
        "{line}"
    );
}

#[tokio::test]
async fn wide_characters_behind_a_dialog_leave_its_border_whole() {
    let mut h = Harness::demo().await;
    // Every full name in wide characters: whatever the dialog's position, some straddle its
    // left border.
    let users = h.core.store().users(h.ws.id).unwrap();
    h.core
        .store()
        .transact(TxMode::Commit, &|tx| {
            for u in users.iter().filter(|u| u.status == UserStatus::Active) {
                let mut u = u.clone();
                u.full_name = PersonName::unchecked("陳志明陳志明陳志明");
                tx.put_user(&u)?;
            }
            Ok(())
        })
        .unwrap();
    h.ctrl('r');
    h.settle().await;
    h.press(KeyCode::Char('d')).await;
    let term = on_a_terminal(&h);
    let screen = term.screen();
    let w = h.app.size().0;
    let top = (0..40)
        .find(|&r| (0..w).any(|c| screen.cell(r, c).unwrap().contents() == "╭"))
        .expect("a dialog whose top-left corner shows");
    let left = (0..w)
        .find(|&c| screen.cell(top, c).unwrap().contents() == "╭")
        .unwrap();
    let bottom = (top..40)
        .find(|&r| screen.cell(r, left).unwrap().contents() == "╰")
        .expect("the dialog's bottom");
    let mut straddled = 0;
    for row in top + 1..bottom {
        assert_eq!(
            screen.cell(row, left).unwrap().contents(),
            "│",
            "row {row}: {:?}",
            screen.contents_between(row, 0, row, w)
        );
        // a wide character two cells to the left means one began just left of the border
        if left >= 3 && screen.cell(row, left - 3).unwrap().is_wide() {
            straddled += 1;
            assert!(!screen.cell(row, left - 1).unwrap().is_wide());
        }
    }
    assert!(
        straddled > 5,
        "the case under test happened: {straddled} rows"
    );
}

/// On a wide terminal the roles column grows: several roles are shown whole, not cut at 12.
#[tokio::test]
async fn roles_are_whole_on_a_wide_terminal() {
    use atender_admin::domain::Role;
    use atender_admin::service::{AdminApi, BulkChange};
    let mut h = Harness::demo().await;
    let id = h.app.current_user().unwrap().id;
    h.api
        .bulk(
            BulkChange::SetRoles {
                roles: vec![Role::Supervisor, Role::Agent],
            },
            vec![id],
            false,
        )
        .await
        .unwrap();
    h.app.on_resize(200, 60);
    h.app.reload();
    h.settle().await;
    let shown = h.app.current_user().unwrap().roles.to_string();
    assert!(shown.len() > 12, "{shown}");
    assert!(h.screen().contains(&shown), "{shown} cut:\n{}", h.screen());
}
