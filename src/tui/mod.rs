//! The console: a ratatui application for admins in a terminal (often over SSH).
//!
//! Its house, with every import pointing one way (down this list, never up):
//!
//! ```text
//!   mod.rs (the event loop)
//!     ├─ ui ─────────────┐         drawing: reads app and model, never changes them
//!     └─ app ────────────┤         state and reactions behind a small API
//!          └─ layers     │         the stack of open components, with ids
//!               └─ components      each dialog and form: state, keys, replies, drawing
//!                    ├─ widgets    popup, hint line, check list, pasting
//!                    ├─ keys       one row per command (table and dialogs), keys.toml
//!                    ├─ effects    requests to the service, with ids, and their replies
//!                    └─ model      tabs, sort keys, data, views (filter and sort); no ratatui
//!   leaves: theme, scroll, clipboard, mouse
//! ```
//!
//! Keys and answers change the app; drawing only reads it; every service call runs as a task
//! that answers with its request's id, so the screen never waits and a late answer finds only
//! the one who asked. Wording shared with the CLI lives in `crate::present`.

pub mod app;
pub mod clipboard;
pub mod components;
pub mod effects;
pub mod keys;
pub mod layers;
pub mod model;
pub mod mouse;
pub mod scroll;
pub mod theme;
pub mod ui;
pub mod widgets;

use crate::service::AdminApi;
use app::App;
use components::SignInForm;
use crossterm::event::{
    DisableBracketedPaste, EnableBracketedPaste, Event, EventStream, KeyEventKind,
};
use effects::{Connector, Msg};
use futures_util::StreamExt;
use model::Context;
use ratatui::DefaultTerminal;
use std::sync::Arc;
use std::time::Duration;
use theme::Theme;

/// How the admin set the console up (keys.toml, flags).
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub keymap: keys::Keymap,
    pub mouse: mouse::MouseMode,
}

/// Runs the console until the admin quits. The terminal is restored on every way out,
/// including a panic (ratatui's hook).
///
/// Offline, `api` is the local service. Connected, `connector` signs in (and in again when a
/// session ends); `api` is `None` until then. `stop`, when it resolves, closes the console with
/// its error (a store that failed the integrity check running beside it).
pub async fn run(
    api: Option<Arc<dyn AdminApi>>,
    connector: Option<Arc<dyn Connector>>,
    context: Context,
    options: Options,
    stop: Option<Stop>,
) -> anyhow::Result<()> {
    let theme = Theme::from_env();
    let mut terminal = ratatui::try_init()?;
    // Pasted text arrives as one event, so a pasted line break is never Enter. Turned off
    // again on every way out, a panic included (the hook runs before ratatui's restore).
    crossterm::execute!(std::io::stdout(), EnableBracketedPaste)?;
    let mouse = options.mouse;
    let ratatui_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = crossterm::execute!(std::io::stdout(), DisableBracketedPaste);
        let _ = write_now(mouse.disable());
        ratatui_hook(info);
    }));
    // A signal ends the console through the same way out as `q`, so everything turned on is
    // turned off again (ratatui's restore and hook do not run on signals).
    let stop: Stop = match stop {
        Some(stop) => Box::pin(async move {
            tokio::select! {
                error = stop => error,
                n = signalled() => anyhow::Error::from(EndedBySignal(n)),
            }
        }),
        None => Box::pin(async { anyhow::Error::from(EndedBySignal(signalled().await)) }),
    };
    let result = match write_now(mouse.enable()) {
        Ok(()) => event_loop(&mut terminal, api, connector, context, options, theme, stop).await,
        Err(e) => Err(e.into()),
    };
    let _ = write_now(mouse.disable());
    let _ = crossterm::execute!(std::io::stdout(), DisableBracketedPaste);
    ratatui::restore();
    result
}

/// Writes terminal modes straight out (nothing when empty).
fn write_now(sequence: &str) -> std::io::Result<()> {
    use std::io::Write;
    if sequence.is_empty() {
        return Ok(());
    }
    let mut out = std::io::stdout();
    out.write_all(sequence.as_bytes())?;
    out.flush()
}

/// What ends the console from outside, with the error to report.
pub type Stop = std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Error> + Send>>;

/// The console was ended by a signal (SIGTERM, SIGHUP, SIGINT): the terminal is restored as on
/// any way out, and the process exits with 128 + the signal's number.
#[derive(Debug, thiserror::Error)]
#[error("ended by signal {0}")]
pub struct EndedBySignal(pub i32);

/// Resolves when SIGTERM, SIGHUP or SIGINT arrives, with its number. On anything but Unix, or
/// when the handlers can't be set, never.
async fn signalled() -> i32 {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut hup), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
            signal(SignalKind::interrupt()),
        ) else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = term.recv() => 15,
            _ = hup.recv() => 1,
            _ = int.recv() => 2,
        }
    }
    #[cfg(not(unix))]
    std::future::pending().await
}

fn handle(app: &mut App, event: Event) {
    match event {
        Event::Key(key) if key.kind == KeyEventKind::Press => app.on_key(key),
        Event::Mouse(mouse) => on_mouse(app, mouse),
        Event::Paste(text) => app.on_paste(&text),
        Event::Resize(w, h) => app.on_resize(w, h),
        _ => {}
    }
}

/// A mouse event (only when `--mouse` asked for them): the wheel moves the cursor, a click
/// picks what drawing put under it.
pub fn on_mouse(app: &mut App, event: crossterm::event::MouseEvent) {
    use crossterm::event::{MouseButton, MouseEventKind};
    match event.kind {
        MouseEventKind::ScrollDown | MouseEventKind::ScrollUp
            if app.layers().is_empty() && !app.too_small() =>
        {
            app.on_scroll(event.kind == MouseEventKind::ScrollDown);
        }
        MouseEventKind::Down(MouseButton::Left) => {
            let hit = ui::hit(app, event.column, event.row);
            app.on_click(hit);
        }
        _ => {}
    }
}

async fn event_loop(
    terminal: &mut DefaultTerminal,
    mut api: Option<Arc<dyn AdminApi>>,
    connector: Option<Arc<dyn Connector>>,
    context: Context,
    options: Options,
    theme: Theme,
    mut stop: Stop,
) -> anyhow::Result<()> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Msg>();
    let mut app = App::new(context).with_keymap(options.keymap);
    let size = terminal.size()?;
    app.on_resize(size.width, size.height);
    match (&api, app.context().server.clone()) {
        (None, Some(server)) => {
            let form = SignInForm::new(&server.url, &server.workspace, &server.email, None);
            app.open(form);
        }
        _ => app.reload(),
    }
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    let mut ticks: u32 = 0;
    let mut dirty = true;
    // For the end-to-end test that the terminal is restored after a panic: read once, and
    // only in debug builds (the ones tests run); a release build never looks.
    let panic_for_test = cfg!(debug_assertions) && std::env::var_os("ATENDER_TEST_PANIC").is_some();
    // The last frame drawn, and where the table stood in it: a scroll then moves the rows the
    // terminal already shows instead of sending them all again.
    let mut shown: Option<ratatui::buffer::Buffer> = None;
    // Where the once-a-second redraw is tried first, to find whether any relative time on
    // screen has changed.
    let mut shadow = ratatui::Terminal::new(ratatui::backend::TestBackend::new(1, 1))?;
    let mut table_at = ui::table_position(&app);
    // Inside tmux, whether it passes clipboard sequences on: asked at the start and again
    // after every y (the admin may just have changed tmux's settings), each time off the
    // render loop (tmux may be slow or gone); the answer refreshes what y said.
    let mut tmux_job: Option<tokio::task::JoinHandle<clipboard::Route>> = None;
    let mut tmux_what: Option<String> = None;
    if clipboard::in_tmux() {
        app.set_clipboard_route(clipboard::Route::TmuxUnknown);
        tmux_job = Some(tokio::task::spawn_blocking(clipboard::ask_tmux));
    }
    loop {
        for (id, effect) in app.take_effects() {
            tracing::debug!(?id, ?effect, "effect");
            effects::spawn(api.clone(), connector.clone(), id, effect, tx.clone());
        }
        app.prepare_frame();
        if dirty {
            let now_at = ui::table_position(&app);
            if let (Some(last), Some(scroll)) = (&shown, ui::table_scroll(&table_at, &now_at)) {
                scroll::apply(terminal, last, &scroll)?;
            }
            table_at = now_at;
            let frame = terminal.draw(|frame| ui::draw(frame, &app, &theme))?;
            shown = Some(frame.buffer.clone());
            dirty = false;
            if panic_for_test && app.data().is_some() {
                panic!("panic requested by ATENDER_TEST_PANIC");
            }
        }
        if let Some(text) = app.take_clipboard() {
            clipboard::write(&text)?;
            if clipboard::in_tmux() && tmux_job.is_none() {
                tmux_what = Some(app.clipboard_what().to_string());
                tmux_job = Some(tokio::task::spawn_blocking(clipboard::ask_tmux));
            }
        }
        if app.quit_requested() {
            return Ok(());
        }
        tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => handle(&mut app, event),
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(()),
            },
            Some(msg) = rx.recv() => receive(&mut app, &mut api, msg),
            route = async { tmux_job.as_mut().expect("only polled when set").await }, if tmux_job.is_some() => {
                tmux_job = None;
                if let Ok(route) = route {
                    app.set_clipboard_route(route);
                    if let Some(what) = tmux_what.take() {
                        app.report_clipboard(&what);
                    }
                }
            }
            error = &mut stop => return Err(error),
            _ = tick.tick() => {
                ticks = ticks.wrapping_add(1);
                // Animate the spinner while work is in flight; otherwise redraw once a second
                // so relative times ("3d ago") stay true. Idle, the console costs next to nothing.
                if app.in_flight() == 0 && !ticks.is_multiple_of(10) {
                    continue;
                }
                app.on_tick();
                if app.in_flight() == 0 && unchanged(&mut shadow, &app, &theme, shown.as_ref()) {
                    // Even an empty redraw sends 25 bytes of resets; idle, send nothing.
                    continue;
                }
            }
        }
        dirty = true;
        // Take everything already queued before drawing again: fast typing never queues frames.
        // Polled with this task's own waker (never `now_or_never`, whose no-op waker crossterm
        // would keep, leaving the next key to wait for the tick).
        loop {
            tokio::select! {
                biased;
                event = events.next() => match event {
                    Some(Ok(event)) => handle(&mut app, event),
                    Some(Err(e)) => return Err(e.into()),
                    None => return Ok(()),
                },
                () = std::future::ready(()) => break,
            }
        }
        while let Ok(msg) = rx.try_recv() {
            receive(&mut app, &mut api, msg);
        }
    }
}

/// Whether the screen drawn now would be `shown`, the last frame sent: drawn off screen.
fn unchanged(
    shadow: &mut ratatui::Terminal<ratatui::backend::TestBackend>,
    app: &App,
    theme: &Theme,
    shown: Option<&ratatui::buffer::Buffer>,
) -> bool {
    let Some(shown) = shown else { return false };
    let area = shown.area;
    if shadow.backend().buffer().area != area {
        shadow.backend_mut().resize(area.width, area.height);
    }
    shadow
        .draw(|frame| ui::draw(frame, app, theme))
        .is_ok_and(|frame| frame.buffer == shown)
}

/// Hands an answer to the app; a new session replaces the API every later effect uses.
fn receive(app: &mut App, api: &mut Option<Arc<dyn AdminApi>>, msg: Msg) {
    if let Msg::Answer {
        result: Ok(effects::Reply::SignedIn(connected)),
        ..
    } = &msg
    {
        *api = Some(connected.api.clone());
    }
    app.on_msg(msg);
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    #[test]
    fn the_same_screen_is_not_sent_again() {
        let mut app = App::new(Context::local("DEMO", "http://x"));
        app.on_resize(80, 24);
        let theme = Theme { color: true };
        let mut real = Terminal::new(TestBackend::new(80, 24)).unwrap();
        let shown = real
            .draw(|f| ui::draw(f, &app, &theme))
            .unwrap()
            .buffer
            .clone();
        let mut shadow = Terminal::new(TestBackend::new(1, 1)).unwrap();
        assert!(
            !unchanged(&mut shadow, &app, &theme, None),
            "nothing sent yet"
        );
        assert!(unchanged(&mut shadow, &app, &theme, Some(&shown)));
        assert!(unchanged(&mut shadow, &app, &theme, Some(&shown)));
        app.notice("invite sent");
        assert!(!unchanged(&mut shadow, &app, &theme, Some(&shown)));
    }
}
