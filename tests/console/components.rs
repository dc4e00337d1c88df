//! The dialogs as components: replies addressed to the one that asked, keys a dialog leaves,
//! the read-only state (asked for, or after losing one's own rights), the list of links of an
//! offline bulk resend, and pickers that show who already has a role or team.

use crate::harness::*;
use atender_admin::domain::{Role, User, UserStatus};
use atender_admin::service::BulkChange;
use atender_admin::store::Store;
use atender_admin::tui::app::{NO_RIGHTS, READ_ONLY};
use atender_admin::tui::components::{
    Confirm, ConfirmAction, Detail, EditForm, Help, Links, RolesPicker, TeamPicker, TeamsView,
};
use atender_admin::tui::model::Tab;
use crossterm::event::KeyCode;
use insta::assert_snapshot;

/// An active Admin of the demo who is not its Owner.
fn an_admin(h: &Harness) -> User {
    h.core
        .store()
        .users(h.ws.id)
        .unwrap()
        .into_iter()
        .find(|u| {
            u.status == UserStatus::Active && u.roles.contains(Role::Admin) && !u.roles.is_owner()
        })
        .unwrap()
}

/// Acts as `user` from now on, loading everything again as them.
async fn become_(h: &mut Harness, user: &User) {
    h.act_as(user);
    h.app.forget_data();
    h.app.reload();
    h.settle().await;
    assert_eq!(h.app.data().unwrap().me.id, user.id);
}

/// Puts the cursor on the user with this email (through the filter, kept with Enter).
fn go_to(h: &mut Harness, email: &str) {
    h.key(KeyCode::Esc); // the last filter goes (marks stay)
    h.key(KeyCode::Char('/'));
    h.keys(email);
    h.key(KeyCode::Enter);
    assert_eq!(h.current_email(), email);
}

/// Invite tokens are random: each one blanked for snapshots.
fn masked(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("token=") {
        let end = (at + 6 + 43).min(rest.len());
        out.push_str(&rest[..at + 6]);
        out.push_str(&"T".repeat(end - at - 6));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[tokio::test]
async fn removing_your_own_admin_role_warns_then_the_console_turns_read_only() {
    let mut h = Harness::demo().await;
    let admin = an_admin(&h);
    become_(&mut h, &admin).await;
    go_to(&mut h, admin.email.as_str());
    h.key(KeyCode::Char('o'));
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Char(' ')); // Admin off
    h.key(KeyCode::Char('G'));
    h.key(KeyCode::Char(' ')); // Agent on
    h.press(KeyCode::Enter).await;
    let Some(c) = h.app.layers().top::<Confirm>() else {
        panic!("{:?}", h.app.layers())
    };
    assert!(!c.yes, "No first");
    assert!(
        c.lines
            .iter()
            .any(|l| l.contains("changing your own roles")),
        "{:?}",
        c.lines
    );
    assert_snapshot!("own_roles_warning", h.screen());
    h.press(KeyCode::Char('y')).await;
    assert_eq!(
        h.user(admin.email.as_str())
            .roles
            .iter()
            .collect::<Vec<_>>(),
        [Role::Agent]
    );
    assert!(h.app.read_only());
    assert!(h.app.load_error().is_none(), "{:?}", h.app.load_error());
    let screen = h.screen();
    assert!(!screen.contains("could not load"), "{screen}");
    assert!(screen.contains("READ-ONLY"), "{screen}");
    assert!(
        !screen.contains("deactivate"),
        "change keys hidden: {screen}"
    );
    // Neither the header nor their row claims the old role.
    assert!(
        screen.lines().next().unwrap().contains("(Agent)"),
        "{screen}"
    );
    let row = screen
        .lines()
        .find(|l| l.contains(admin.email.as_str().split("@").next().unwrap()))
        .unwrap_or_default();
    assert!(row.contains("Agent") && !row.contains("Admin"), "{screen}");
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('d'));
    assert_eq!(h.app.last_notice().unwrap().text, NO_RIGHTS);
    assert!(h.app.layers().is_empty());
    h.app.clear_notice();
    assert_snapshot!("read_only_after_losing_rights", h.screen());
    // The rules stay in the core: the table still shows what was loaded, nothing changed.
    assert_eq!(
        h.app.data().unwrap().count(UserStatus::Active),
        h.core
            .store()
            .users(h.ws.id)
            .unwrap()
            .iter()
            .filter(|u| u.status == UserStatus::Active)
            .count()
    );
}

#[tokio::test]
async fn editing_your_own_roles_in_the_form_warns_too() {
    let mut h = Harness::demo().await;
    let admin = an_admin(&h);
    become_(&mut h, &admin).await;
    go_to(&mut h, admin.email.as_str());
    h.key(KeyCode::Char('e'));
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab); // Roles
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Char(' ')); // Admin off
    h.key(KeyCode::Char('G'));
    h.key(KeyCode::Char(' ')); // Agent on
    h.ctrl('s');
    h.settle().await;
    let Some(c) = h.app.layers().top::<Confirm>() else {
        panic!("{:?}", h.app.layers())
    };
    assert!(matches!(c.action, ConfirmAction::Update { .. }));
    assert!(c.preview.is_some(), "the core's verdict on the new roles");
    assert!(
        c.lines
            .iter()
            .any(|l| l.contains("changing your own roles"))
    );
    // No keeps the form and what was typed.
    h.key(KeyCode::Char('n'));
    assert!(
        h.app
            .layers()
            .top::<EditForm>()
            .is_some_and(|f| f.has_changes())
    );
    h.ctrl('s');
    h.settle().await;
    h.press(KeyCode::Char('y')).await;
    assert!(h.app.layers().is_empty(), "{:?}", h.app.layers());
    assert!(h.app.read_only());
    assert!(h.app.load_error().is_none());
}

#[tokio::test]
async fn read_only_hides_and_refuses_every_change() {
    let mut h = Harness::demo().await;
    h.app.context_mut().read_only = true;
    let hints = h.screen().lines().last().unwrap().to_string();
    assert!(
        hints.contains("filter") && !hints.contains("invite"),
        "{hints}"
    );
    for key in ['i', 'e', 'd', 'o', 't', 'D', 'b'] {
        h.app.clear_notice();
        h.key(KeyCode::Char(key));
        assert!(
            h.app.layers().is_empty(),
            "{key} opened {:?}",
            h.app.layers()
        );
        assert_eq!(h.app.last_notice().unwrap().text, READ_ONLY, "{key}");
    }
    h.key(KeyCode::Char('3'));
    for key in ['R', 'x'] {
        h.key(KeyCode::Char(key));
        assert!(h.app.layers().is_empty(), "{key}");
    }
    assert!(
        h.app.take_effects().is_empty(),
        "nothing was asked of the core"
    );
    // A link not known here: no key that read-only refuses is offered as the way out.
    h.key(KeyCode::Char('y'));
    let said = &h.app.last_notice().unwrap().text;
    assert!(
        said.contains("read-only") && !said.contains("sends"),
        "{said}"
    );
    // Teams can be looked at, not changed.
    h.key(KeyCode::Char('T'));
    h.key(KeyCode::Char('n'));
    let Some(view) = h.app.layers().top::<TeamsView>() else {
        panic!()
    };
    assert!(view.editing.is_none());
    assert!(!h.screen().contains("n new"));
    h.key(KeyCode::Esc);
    // Help leaves the changes out.
    h.key(KeyCode::Char('?'));
    let help = h.screen();
    assert!(help.contains("Read-only"), "{help}");
    assert!(!help.contains("invite a user"), "{help}");
    h.key(KeyCode::Esc);
    // Reading still works: the detail pane and the log.
    h.key(KeyCode::Char('1'));
    h.press(KeyCode::Enter).await;
    assert!(
        h.app
            .layers()
            .top::<Detail>()
            .is_some_and(|d| d.detail.is_some())
    );
    assert!(!h.screen().contains("make this user the Owner"));
    h.key(KeyCode::Char('O'));
    assert!(h.app.layers().top::<Detail>().is_some());
}

#[tokio::test]
async fn a_reply_reaches_the_component_that_asked_even_under_another_dialog() {
    let mut h = Harness::demo().await;
    h.key(KeyCode::Char('j'));
    let email = h.current_email();
    // Enter asks for the details; O opens a confirmation on top before they answer.
    h.key(KeyCode::Enter);
    h.key(KeyCode::Char('O'));
    assert!(h.app.layers().top::<Confirm>().is_some());
    h.settle().await;
    let (2, Some(d), Some(_)) = (
        h.app.layers().len(),
        h.app.layers().get::<Detail>(0),
        h.app.layers().get::<Confirm>(1),
    ) else {
        panic!("{:?}", h.app.layers())
    };
    assert_eq!(d.detail.as_ref().unwrap().user.email.as_str(), email);
    h.key(KeyCode::Esc);
    // A key the detail pane leaves: ? opens help over it; Esc goes back to it.
    h.key(KeyCode::Char('?'));
    assert!(h.app.layers().top::<Help>().is_some());
    h.key(KeyCode::Esc);
    assert!(h.app.layers().top::<Detail>().is_some());
}

#[tokio::test]
async fn an_offline_bulk_resend_lists_every_new_link_to_copy_or_write() {
    let mut h = Harness::demo().await;
    h.key(KeyCode::Char('3'));
    h.key(KeyCode::Char('a'));
    let marked = h.app.marked_in_tab().len();
    h.press(KeyCode::Char('R')).await;
    let Some(c) = h.app.layers().top::<Confirm>() else {
        panic!()
    };
    assert!(c.preview.is_some(), "the core's dry run of the resend");
    h.press(KeyCode::Char('y')).await;
    let Some(links) = h.app.layers().top::<Links>().cloned() else {
        panic!("{:?} {:?}", h.app.last_notice(), h.app.layers())
    };
    assert_eq!(links.items.len(), marked);
    let tokens: std::collections::HashSet<_> = links.items.iter().map(|(_, l)| l).collect();
    assert_eq!(tokens.len(), marked, "one new link each");
    assert!(
        links
            .items
            .iter()
            .all(|(_, l)| l.starts_with("https://atender.example/accept?token="))
    );
    assert_snapshot!("resent_links", masked(&h.screen()));
    h.key(KeyCode::Char('y'));
    let copied = h.app.take_clipboard().unwrap();
    assert_eq!(copied.lines().count(), marked);
    assert!(copied.contains(&links.items[0].1));
    // A path that can't be written: the dialog stays and says why.
    h.key(KeyCode::Char('w'));
    for _ in 0..40 {
        h.key(KeyCode::Backspace);
    }
    h.keys("/no/such/folder/links.csv");
    h.press(KeyCode::Enter).await;
    let Some(after) = h.app.layers().top::<Links>() else {
        panic!("{:?}", h.app.layers())
    };
    let error = after.error.clone().unwrap();
    assert!(
        error.contains("could not create /no/such/folder/links.csv"),
        "{error}"
    );
    assert_snapshot!("resent_links_write_error", masked(&h.screen()));
    // Fixed: written, readable only by its owner, CSV with every link.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("links.csv");
    for _ in 0..40 {
        h.key(KeyCode::Backspace);
    }
    h.keys(path.to_str().unwrap());
    h.press(KeyCode::Enter).await;
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), marked + 1);
    assert!(text.starts_with("email,link\n"));
    assert!(text.contains(&links.items[0].1));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert!(h.app.last_notice().unwrap().text.starts_with("wrote"));
    // An existing file is never overwritten.
    h.key(KeyCode::Char('w'));
    for _ in 0..40 {
        h.key(KeyCode::Backspace);
    }
    h.keys(path.to_str().unwrap());
    h.press(KeyCode::Enter).await;
    let Some(again) = h.app.layers().top::<Links>() else {
        panic!()
    };
    assert!(again.error.as_ref().unwrap().contains("already exists"));
}

#[tokio::test]
async fn pickers_show_who_already_has_each_role_and_team() {
    let mut h = Harness::demo().await;
    let users = h.core.store().users(h.ws.id).unwrap();
    let supervisor = users
        .iter()
        .find(|u| {
            u.status == UserStatus::Active
                && u.roles.contains(Role::Supervisor)
                && !u.roles.contains(Role::Agent)
        })
        .unwrap();
    let agent = users
        .iter()
        .find(|u| {
            u.status == UserStatus::Active
                && u.roles.iter().collect::<Vec<_>>() == [Role::Agent]
                && !u.teams.is_empty()
        })
        .unwrap();
    for u in [supervisor, agent] {
        go_to(&mut h, u.email.as_str());
        h.key(KeyCode::Char(' '));
    }
    h.key(KeyCode::Esc); // the filter goes, the marks stay
    assert_eq!(h.app.marks().len(), 2);
    h.key(KeyCode::Char('o'));
    let Some(picker) = h.app.layers().top::<RolesPicker>() else {
        panic!()
    };
    let marks: Vec<(Role, String)> = picker
        .roles
        .iter()
        .map(|(r, _, m)| (*r, format!("{} {}", m.mark(), m.label())))
        .collect();
    assert_eq!(
        marks,
        [
            (Role::Owner, "[ ] none of them".to_string()),
            (Role::Admin, "[ ] none of them".to_string()),
            (Role::Supervisor, "[-] 1 of 2".to_string()),
            (Role::Agent, "[-] 1 of 2".to_string()),
        ]
    );
    assert_snapshot!("roles_picker_mixed", h.screen());
    // Nothing changed yet: Enter says so and the picker stays.
    h.key(KeyCode::Enter);
    let Some(picker) = h.app.layers().top::<RolesPicker>() else {
        panic!()
    };
    assert!(
        picker.error.as_ref().unwrap().contains("nothing changed"),
        "{:?}",
        picker.error
    );
    // [-] rows kept as they are: only the row changed is applied (Admin added for both,
    // each keeping Supervisor or Agent).
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Char(' ')); // Admin: [ ] → [x]
    h.press(KeyCode::Enter).await;
    let Some(c) = h.app.layers().top::<Confirm>() else {
        panic!("{:?}", h.app.layers())
    };
    let ConfirmAction::Bulk { change, .. } = &c.action else {
        panic!("{:?}", c.action)
    };
    assert_eq!(
        change,
        &BulkChange::ChangeRoles {
            add: vec![Role::Admin],
            remove: vec![],
        }
    );
    assert!(c.title.contains("add Admin?"), "{}", c.title);
    h.press(KeyCode::Char('y')).await;
    for u in [&agent, &supervisor] {
        let now = h.user(u.email.as_str());
        assert!(now.roles.contains(Role::Admin), "{now:?}");
        let kept = if u.id == agent.id {
            Role::Agent
        } else {
            Role::Supervisor
        };
        assert!(now.roles.contains(kept), "{now:?}");
    }
    h.press(KeyCode::Char('u')).await; // and back, for the rest of this test
    h.press(KeyCode::Char('y')).await;
    h.app.mark_users([agent.id, supervisor.id]);
    h.key(KeyCode::Char('o'));
    // Space: [-] → [x]; Agent for both, Supervisor for neither.
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Char(' ')); // Supervisor: [-] → [x]
    h.key(KeyCode::Char(' ')); // → [ ]
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Char(' ')); // Agent: [-] → [x]
    h.press(KeyCode::Enter).await;
    let Some(c) = h.app.layers().top::<Confirm>() else {
        panic!("{:?}", h.app.layers())
    };
    assert!(c.title.ends_with("to Agent?"), "{}", c.title);
    h.key(KeyCode::Esc);
    // The team picker: the agent's team is [-] 1 of 2.
    h.key(KeyCode::Char('t'));
    let Some(picker) = h.app.layers().top::<TeamPicker>() else {
        panic!()
    };
    let team = *agent.teams.iter().next().unwrap();
    let at = picker.list.items.iter().position(|i| i.0 == team).unwrap();
    let in_team = usize::from(supervisor.teams.contains(&team)) + 1;
    assert_eq!(picker.members[at].have, in_team);
    assert_eq!(picker.members[at].of, 2);
    // Space toggles there too: the team for all of them (not all have it yet).
    for _ in 0..at {
        h.key(KeyCode::Char('j'));
    }
    h.press(KeyCode::Char(' ')).await;
    let Some(c) = h.app.layers().top::<Confirm>() else {
        panic!("{:?}", h.app.layers())
    };
    let ConfirmAction::Bulk { change, .. } = &c.action else {
        panic!("{:?}", c.action)
    };
    let expected = if in_team == 2 {
        BulkChange::RemoveTeam { team }
    } else {
        BulkChange::AddTeam { team }
    };
    assert_eq!(change, &expected);
}

#[tokio::test]
async fn every_dialog_lists_its_keys_in_help_and_in_the_footer() {
    let mut h = Harness::demo().await;
    // Help is generated: every dialog's section, from its bindings.
    let seen: String = atender_admin::tui::components::help::help_lines(
        &h.app.ctx(),
        &atender_admin::tui::theme::Theme { color: false },
        200,
    )
    .iter()
    .map(|l| format!("{l}\n"))
    .collect();
    for title in [
        "Confirmation",
        "User details (Enter)",
        "Roles picker (o)",
        "Team picker (t)",
        "Teams (T)",
        "Activity log (L)",
        "Invite links",
    ] {
        assert!(seen.contains(title), "help has no {title}");
    }
    h.key(KeyCode::Char('T'));
    let footer = h.screen().lines().last().unwrap().to_string();
    assert!(
        footer.contains("n new") && footer.contains("D delete"),
        "{footer}"
    );
    assert_eq!(h.app.tab(), Tab::Active);
}

#[tokio::test]
async fn deleting_a_user_shows_the_cores_verdict_before_the_email_is_typed() {
    let mut h = Harness::demo().await;
    let owner = h.owner.email.to_string();
    go_to(&mut h, &owner);
    h.press(KeyCode::Char('D')).await;
    let Some(c) = h.app.layers().top::<Confirm>() else {
        panic!("{:?}", h.app.layers())
    };
    assert!(c.typed.is_some());
    let refusal = c.preview.as_ref().unwrap()[0]
        .refusal()
        .unwrap()
        .to_string();
    assert!(refusal.contains("your own account"), "{refusal}");
    assert!(h.screen().contains("It will be refused:"));
    h.key(KeyCode::Esc);
    // Someone the rules allow: said so, and the email is still to be typed.
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('j'));
    h.press(KeyCode::Char('D')).await;
    let Some(c) = h.app.layers().top::<Confirm>() else {
        panic!()
    };
    assert!(
        c.preview.as_ref().is_some_and(|p| p[0].is_changed()),
        "{} {:?} {:?}",
        c.title,
        c.preview,
        c.preview_error
    );
    assert!(h.screen().contains("The rules allow it."));
}

/// At 80 columns (76 inside the help), long descriptions wrap under themselves: no line is
/// wider than the room, and no word is lost.
#[tokio::test]
async fn help_wraps_long_descriptions_instead_of_cutting_them() {
    use unicode_width::UnicodeWidthStr;
    let h = Harness::demo().await;
    let theme = atender_admin::tui::theme::Theme { color: false };
    let lines = atender_admin::tui::components::help::help_lines(&h.app.ctx(), &theme, 76);
    let text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    for line in &text {
        assert!(line.width() <= 76, "{line:?}");
    }
    let at = text
        .iter()
        .position(|l| l.contains("filter: words, role:"))
        .expect("the filter's line");
    let joined = text[at..at + 2]
        .iter()
        .map(|l| l.trim())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        joined.contains("status: (below; Enter keeps, Esc clears)"),
        "{joined}"
    );
}

/// Two confirmations whose dry runs are in flight at once (connected mode runs requests side
/// by side): the first is cancelled and a second opened, and the answers come back in the
/// other order. Each answer goes to the request that asked, so the open dialog shows only its
/// own preview and the cancelled one's answer finds nobody.
#[tokio::test]
async fn a_cancelled_confirmations_late_preview_stays_out_of_the_next_one() {
    use atender_admin::tui::effects::{self, Effect};
    let mut h = Harness::demo().await;
    h.key(KeyCode::Char('d'));
    let first = h.app.take_effects();
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Char('d'));
    let second = h.app.take_effects();
    let ([(first_id, first_effect)], [(second_id, second_effect)]) =
        (first.as_slice(), second.as_slice())
    else {
        panic!("{first:?} {second:?}")
    };
    let asked_for = |e: &Effect| match e {
        Effect::Preview { ids, .. } => ids.clone(),
        other => panic!("{other:?}"),
    };
    let (a, b) = (asked_for(first_effect), asked_for(second_effect));
    assert_ne!(a, b, "two different users");
    // The second answers first, then the cancelled one's answer arrives late.
    let msg = effects::answer(&h.api, *second_id, second_effect.clone()).await;
    h.app.on_msg(msg);
    let msg = effects::answer(&h.api, *first_id, first_effect.clone()).await;
    h.app.on_msg(msg);
    let Some(c) = h.app.layers().top::<Confirm>() else {
        panic!("{:?}", h.app.layers())
    };
    assert_eq!(h.app.layers().len(), 1);
    let previewed: Vec<_> = c.preview.as_ref().unwrap().iter().map(|o| o.id).collect();
    assert_eq!(previewed, b, "only its own preview");
    assert_eq!(h.app.in_flight(), 0);
}

/// A dialog's key rebound in keys.toml works in the dialog, and its hint line shows the key in
/// force; the default key then does nothing there.
#[tokio::test]
async fn a_rebound_dialog_key_works_and_its_hint_shows_it() {
    use atender_admin::tui::keys::Keymap;
    let mut h = Harness::demo().await;
    let keymap = Keymap::parse("[confirm]\nyes = \"o\"\nno = [\"Esc\", \"x\"]\n").unwrap();
    h.app.set_keymap(keymap);
    let before = h.app.view_of(Tab::Active).rows.len();
    h.press(KeyCode::Char('d')).await;
    let screen = h.screen();
    assert!(screen.contains("o yes"), "{screen}");
    assert!(screen.contains("Esc x no"), "{screen}");
    h.key(KeyCode::Char('y'));
    assert!(
        h.app.layers().top::<Confirm>().is_some(),
        "y is no longer yes"
    );
    h.press(KeyCode::Char('o')).await;
    assert!(h.app.layers().is_empty());
    assert_eq!(h.app.view_of(Tab::Active).rows.len(), before - 1);
    // A dialog key that does not exist, or one given twice in one dialog, is refused by name.
    let (_, why) = Keymap::parse("[confirm]\nmaybe = \"m\"\n").unwrap_err();
    assert!(why.contains("confirm.maybe"), "{why}");
    let (line, why) = Keymap::parse("[confirm]\nyes = \"n\"\n").unwrap_err();
    assert_eq!(line, Some(2));
    assert!(
        why.contains("confirm.yes") && why.contains("confirm.no"),
        "{why}"
    );
}

/// After End (G) in help, ↑ (k) and PgUp move at once: the scroll is never left past the last
/// line the screen can show.
#[tokio::test]
async fn help_scrolls_back_at_once_after_the_end() {
    let mut h = Harness::demo().await;
    h.key(KeyCode::Char('?'));
    h.key(KeyCode::Char('G'));
    let bottom = h.screen();
    h.key(KeyCode::Char('k'));
    let up_one = h.screen();
    assert_ne!(bottom, up_one, "k moved nothing after G");
    h.key(KeyCode::PageUp);
    assert_ne!(up_one, h.screen(), "PgUp moved nothing");
    h.key(KeyCode::Char('G'));
    assert_eq!(h.screen(), bottom);
}

/// Yes is not taken while the rules are still being asked: typed quickly after the key that
/// opened the dialog, `y` does nothing until the dry run has answered; then it goes.
#[tokio::test]
async fn yes_waits_for_the_rules_to_answer() {
    let mut h = Harness::demo().await;
    let before = h.app.view_of(Tab::Active).rows.len();
    h.key(KeyCode::Char('d'));
    h.key(KeyCode::Char('y'));
    h.key(KeyCode::Left);
    h.key(KeyCode::Enter);
    let Some(c) = h.app.layers().top::<Confirm>() else {
        panic!(
            "the dialog closed before the check ended: {:?}",
            h.app.layers()
        )
    };
    assert!(c.waiting());
    assert!(h.screen().contains("Yes waits for it"));
    // Only the dry run was asked for: nothing changes.
    let asked = h.app.take_effects();
    assert!(
        matches!(
            asked.as_slice(),
            [(_, atender_admin::tui::effects::Effect::Preview { .. })]
        ),
        "{asked:?}"
    );
    for (id, effect) in asked {
        let msg = atender_admin::tui::effects::answer(&h.api, id, effect).await;
        h.app.on_msg(msg);
    }
    h.press(KeyCode::Char('y')).await;
    assert!(h.app.layers().is_empty());
    assert_eq!(h.app.view_of(Tab::Active).rows.len(), before - 1);
}

/// An undo's users are on another tab, not hidden by a filter (none is on): it says so.
#[tokio::test]
async fn a_confirmation_says_where_its_users_are() {
    let mut h = Harness::demo().await;
    h.key(KeyCode::Char(' '));
    h.key(KeyCode::Char(' '));
    h.press(KeyCode::Char('d')).await;
    h.press(KeyCode::Char('y')).await;
    h.press(KeyCode::Char('u')).await;
    let screen = h.screen();
    assert!(!screen.contains("hidden by the filter"), "{screen}");
    assert!(
        screen.contains("All of them are on the Inactive tab"),
        "{screen}"
    );
}

/// A team typed under "New team" is only listed (ticked) until the form is saved: Esc and a
/// discard leave no team behind; saving creates it and invites into it.
#[tokio::test]
async fn the_invite_form_creates_its_new_teams_only_on_save() {
    use atender_admin::store::Store;
    let teams = |h: &Harness| h.core.store().teams(h.ws.id).unwrap();
    let mut h = Harness::demo().await;
    let before = teams(&h).len();
    h.key(KeyCode::Char('i'));
    h.keys("new.person@acme.io");
    for _ in 0..5 {
        h.key(KeyCode::Tab); // to "New team"
    }
    h.keys("Escalations");
    h.press(KeyCode::Enter).await;
    assert_eq!(teams(&h).len(), before, "nothing created on Enter");
    assert!(h.screen().contains("Escalations"), "listed, ticked");
    h.key(KeyCode::Esc);
    h.press(KeyCode::Char('y')).await; // discard what was typed
    assert!(h.app.layers().is_empty(), "{:?}", h.app.layers());
    assert_eq!(teams(&h).len(), before, "nothing left behind by Esc");
    // Again, saved this time.
    h.key(KeyCode::Char('i'));
    h.keys("new.person@acme.io");
    h.key(KeyCode::Tab);
    h.keys("New Person");
    for _ in 0..4 {
        h.key(KeyCode::Tab);
    }
    h.keys("Escalations");
    h.press(KeyCode::Enter).await;
    h.ctrl('s');
    h.settle().await;
    let created = teams(&h);
    let team = created
        .iter()
        .find(|t| t.name.as_str() == "Escalations")
        .expect("created on save");
    assert_eq!(created.len(), before + 1);
    let invited = h.user("new.person@acme.io");
    assert!(invited.teams.contains(&team.id), "invited into it");
}

/// The console's log takes the same `user:`, `action:` and `since:` terms as `atender-admin
/// log`; a term it can't read says why instead of showing nothing silently.
#[tokio::test]
async fn the_activity_log_filters_by_user_action_and_age() {
    use atender_admin::domain::AuditAction;
    use atender_admin::tui::components::LogView;
    let mut h = Harness::demo().await;
    h.press(KeyCode::Char('L')).await;
    h.key(KeyCode::Char('/'));
    h.keys("action:deactivated since:30d");
    let Some(log) = h.app.layers().top::<LogView>() else {
        panic!()
    };
    let shown = log.shown_at(NOW);
    assert!(!shown.is_empty());
    assert!(shown.iter().all(
        |e| e.action == AuditAction::UserDeactivated && e.at >= NOW - time::Duration::days(30)
    ));
    let someone = shown[0].target_label.clone();
    for _ in 0.."action:deactivated since:30d".len() {
        h.key(KeyCode::Backspace);
    }
    h.keys(&format!("user:{someone}"));
    let Some(log) = h.app.layers().top::<LogView>() else {
        panic!()
    };
    let shown = log.shown_at(NOW);
    assert!(!shown.is_empty());
    assert!(
        shown
            .iter()
            .all(|e| e.target_label == someone || e.actor_label == someone)
    );
    for _ in 0..format!("user:{someone}").len() {
        h.key(KeyCode::Backspace);
    }
    h.keys("action:vanished");
    assert!(
        h.screen().contains("no action \"vanished\""),
        "{}",
        h.screen()
    );
}

/// A confirmation for many users names three and how many more; `a` lists everyone, with
/// their emails, scrollable; closing the list goes back to the confirmation.
#[tokio::test]
async fn a_confirmation_lists_everyone_it_affects() {
    use atender_admin::tui::components::People;
    let mut h = Harness::demo().await;
    for _ in 0..12 {
        h.key(KeyCode::Char(' '));
    }
    h.press(KeyCode::Char('d')).await;
    let screen = h.screen();
    assert!(screen.contains("and 9 more"), "{screen}");
    assert!(screen.contains("a everyone"), "{screen}");
    h.key(KeyCode::Char('a'));
    let Some(people) = h.app.layers().top::<People>() else {
        panic!("{:?}", h.app.layers())
    };
    assert_eq!(people.names.len(), 12);
    assert!(people.names.iter().all(|n| n.contains('@')));
    assert!(h.screen().contains("Everyone it affects (12)"));
    h.key(KeyCode::Esc);
    assert!(
        h.app.layers().top::<Confirm>().is_some(),
        "back to the question"
    );
    // One user: nothing more to list, no key offered.
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('c'));
    h.press(KeyCode::Char('d')).await;
    assert!(!h.screen().contains("a everyone"));
}

/// A form's own message wraps inside the form at 80 columns instead of being cut off: an edit
/// saved over someone else's change says so whole, down to "then save again".
#[tokio::test]
async fn a_forms_message_wraps_at_80_columns() {
    use atender_admin::service::{AdminApi, BulkChange};
    let mut h = Harness::demo().await;
    h.app.on_resize(80, 24);
    let id = h.app.current_user().unwrap().id;
    h.key(KeyCode::Char('e'));
    // Someone else changes the user meanwhile.
    h.api
        .bulk(BulkChange::SetBeta { beta: true }, vec![id], false)
        .await
        .unwrap();
    h.keys(" Jr");
    h.ctrl('s');
    h.settle().await;
    let screen = h.screen();
    assert!(screen.contains("changed by someone else"), "{screen}");
    assert!(screen.contains("then save again"), "cut off:\n{screen}");
}
