//! What a copy to the clipboard did, said in the footer.

use super::App;
use crate::text::safe;
use crate::tui::clipboard::report;

impl App {
    /// Queues `text` for the clipboard (sent at the next draw) and says what was done.
    pub fn send_to_clipboard(&mut self, text: String, what: &str) {
        self.clipboard = Some(text);
        self.clipboard_what = safe(what);
        self.report_clipboard(what);
    }

    /// Says what sending `what` did, by what is known of the route.
    pub fn report_clipboard(&mut self, what: &str) {
        let report = report(&safe(what), &self.clipboard_route);
        if report.error {
            self.error(report.text);
        } else {
            self.notice(report.text);
        }
    }
}
