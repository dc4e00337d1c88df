//! Each tab's rows: the users that pass the filter, in the chosen order, with the cursor kept
//! on its user. Derived from the data, the filter, the sort and the time; `Views` recomputes
//! them itself, when something they derive from changed and someone reads them.

use super::{Data, SortKey, Tab};
use crate::domain::UserId;
use crate::domain::search::Filter;
use std::collections::HashMap;
use time::OffsetDateTime;

/// One tab's view: which users it shows, in which order, and where the cursor is.
#[derive(Debug, Clone, Default)]
pub struct TabView {
    /// Indexes into `Data::users`.
    pub rows: Vec<usize>,
    pub cursor: usize,
    pub offset: usize,
    pub sort: usize,
    pub reversed: bool,
    /// The user under the cursor, so it stays put across reloads and re-sorts.
    pub cursor_user: Option<UserId>,
    /// The last filters' results, newest last: a filter typed again (Backspace) is looked up,
    /// and one that only grows narrows the smallest result it narrows instead of searching
    /// everyone.
    recent: Vec<Filtered>,
}

/// One filter's result in sort order (before reversing), with the sort, filter and time it
/// was computed for.
#[derive(Debug, Clone)]
struct Filtered {
    sort: usize,
    filter: Filter,
    at: OffsetDateTime,
    matched: Vec<usize>,
}

/// At most this many recent results per tab, holding at most `RECENT_ROWS` rows in all.
const RECENT: usize = 16;
const RECENT_ROWS: usize = 300_000;

impl TabView {
    fn remember(&mut self, filtered: Filtered) {
        self.recent.push(filtered);
        let mut rows: usize = self.recent.iter().map(|f| f.matched.len()).sum();
        while self.recent.len() > RECENT || (rows > RECENT_ROWS && self.recent.len() > 1) {
            rows -= self.recent.remove(0).matched.len();
        }
    }
}

fn clamp_offset(view: &mut TabView, page: usize) {
    if view.cursor < view.offset {
        view.offset = view.cursor;
    } else if view.cursor >= view.offset + page {
        view.offset = view.cursor + 1 - page;
    }
    let max_offset = view.rows.len().saturating_sub(page);
    view.offset = view.offset.min(max_offset);
}

/// A tab's users in one column's order: one pass over the load's global orders, or (for the
/// invite columns) a sort of the few pending invites.
fn tab_order(data: &Data, tab: Tab, key: SortKey) -> Vec<usize> {
    let users = &data.users;
    let pick = |global: &[u32]| -> Vec<usize> {
        global
            .iter()
            .map(|&i| i as usize)
            .filter(|&i| data.tab_of[i] == tab)
            .collect()
    };
    // The sorts below read each key once (`sort_by_cached_key`, stable like `sort_by_key`),
    // not once per comparison.
    match key {
        SortKey::Name => pick(&data.by_name),
        SortKey::Email => pick(&data.by_email),
        SortKey::Teams => pick(&data.by_teams),
        SortKey::Roles => {
            // Stable: equal roles stay in email order.
            let mut rows = pick(&data.by_email);
            rows.sort_by_cached_key(|&i| users[i].roles.highest());
            rows
        }
        SortKey::Sent => {
            let mut rows = pick(&data.by_email);
            rows.sort_by_key(|&i| {
                std::cmp::Reverse(data.invites.get(&users[i].id).map(|inv| inv.sent_at))
            });
            rows
        }
        SortKey::Expires => {
            let mut rows = pick(&data.by_email);
            rows.sort_by_key(|&i| data.invites.get(&users[i].id).map(|inv| inv.expires_at));
            rows
        }
        // Most recent first, those without the date last; equal dates stay in email order.
        SortKey::LastSignIn => newest_first(pick(&data.by_email), |i| users[i].last_login_at),
        SortKey::Created => newest_first(pick(&data.by_email), |i| Some(users[i].created_at)),
        SortKey::Deactivated => newest_first(pick(&data.by_email), |i| users[i].deactivated_at),
    }
}

fn newest_first(mut rows: Vec<usize>, at: impl Fn(usize) -> Option<OffsetDateTime>) -> Vec<usize> {
    // `None` < `Some`, so reversing puts the missing dates last.
    rows.sort_by_cached_key(|&i| std::cmp::Reverse(at(i)));
    rows
}

/// Every tab's view, and what they are computed from that is costly to compute again.
#[derive(Debug, Default)]
pub struct Views {
    tabs: [TabView; 3],
    /// Each tab's users in each sort order, computed once per load: a filter keystroke then
    /// only filters, it never sorts again.
    sorted: HashMap<(Tab, usize), Vec<usize>>,
    /// Something the views derive from changed since they were computed.
    stale: bool,
}

impl Views {
    pub fn new() -> Self {
        Views {
            stale: true,
            ..Views::default()
        }
    }

    pub fn tab(&self, tab: Tab) -> &TabView {
        &self.tabs[tab.index()]
    }

    pub fn is_stale(&self) -> bool {
        self.stale
    }

    /// The filter, sort or time changed: computed again when next made fresh.
    pub fn invalidate(&mut self) {
        self.stale = true;
    }

    /// The data was replaced or changed: drops every order and filter result computed from
    /// the old data.
    pub fn data_changed(&mut self) {
        self.sorted.clear();
        self.forget_filter_results();
    }

    /// Forgets the filters' remembered results (the next keystroke searches as if it were the
    /// first); the benchmarks use it to time a search that nothing remembered.
    pub fn forget_filter_results(&mut self) {
        for view in &mut self.tabs {
            view.recent.clear();
        }
        self.stale = true;
    }

    /// The filter changed: every tab starts again at its top.
    pub fn filter_changed(&mut self) {
        self.stale = true;
        for view in &mut self.tabs {
            view.cursor = 0;
            view.offset = 0;
            view.cursor_user = None;
        }
    }

    /// The first page was in no particular order: tabs where the admin has not moved start
    /// at the top of the real one; where they moved, the user under the cursor stays.
    pub fn leave_first_page(&mut self) {
        for view in self.tabs.iter_mut().filter(|v| v.cursor == 0) {
            view.offset = 0;
            view.cursor_user = None;
        }
    }

    /// The next sort column of `tab`, ascending.
    pub fn cycle_sort(&mut self, tab: Tab) {
        let view = &mut self.tabs[tab.index()];
        view.sort += 1;
        view.reversed = false;
        self.stale = true;
    }

    pub fn reverse_sort(&mut self, tab: Tab) {
        let view = &mut self.tabs[tab.index()];
        view.reversed = !view.reversed;
        self.stale = true;
    }

    /// Recomputed if stale, for what they are derived from now.
    pub fn refresh_if_stale(
        &mut self,
        data: Option<&Data>,
        filter_text: &str,
        now: OffsetDateTime,
        page: usize,
    ) {
        if self.stale {
            self.refresh(data, filter_text, now, page);
        }
    }

    /// Recomputes every tab's rows from data, filter and sort, keeping each cursor on its user.
    pub fn refresh(
        &mut self,
        data: Option<&Data>,
        filter_text: &str,
        now: OffsetDateTime,
        page: usize,
    ) {
        self.stale = false;
        let Some(data) = data else { return };
        let filter = Filter::new(filter_text);
        let matcher = filter.matcher(&data.team_names);
        let uses_time = filter.uses_time();
        // Who passes the filter, over everyone, found once for all tabs that narrow the same
        // earlier result (the terms that result settles are skipped), when a tab needs it.
        let mut masks: Vec<(Vec<bool>, Vec<bool>)> = Vec::new();
        for tab in Tab::ALL {
            let view = &mut self.tabs[tab.index()];
            let keys = SortKey::cycle(tab);
            let sort = view.sort % keys.len();
            let order = self
                .sorted
                .entry((tab, sort))
                .or_insert_with(|| tab_order(data, tab, keys[sort]));
            let usable = |f: &&Filtered| f.sort == sort && (!uses_time || f.at == now);
            let known = view
                .recent
                .iter()
                .rev()
                .filter(usable)
                .find(|f| f.filter == filter);
            let matched: Vec<usize> = if filter.is_empty() {
                order.clone()
            } else if let Some(known) = known {
                known.matched.clone()
            } else {
                let narrowed = view
                    .recent
                    .iter()
                    .filter(usable)
                    .filter(|f| filter.narrows(&f.filter))
                    .min_by_key(|f| f.matched.len());
                let base = narrowed.map_or(&**order, |f| &f.matched);
                let expires = |i: usize| if uses_time { data.expires_at(i) } else { None };
                // A few users: search each one's text. Many: one pass over everyone's text
                // for the words, then the other terms over the users in their stored order
                // (one after the other; in sort order it is mostly cache misses).
                if base.len() * 16 < data.users.len() {
                    base.iter()
                        .copied()
                        .filter(|&i| {
                            let text = data.search.text(i);
                            matcher.matches_indexed(&data.users[i], text, expires(i), now)
                        })
                        .collect()
                } else {
                    let settled = narrowed.map_or_else(Vec::new, |f| filter.settled_by(&f.filter));
                    let at = match masks.iter().position(|(s, _)| *s == settled) {
                        Some(at) => at,
                        None => {
                            let mut mask = matcher.word_hits_skipping(&data.search, &settled);
                            if matcher.has_fields() {
                                let fields = matcher.field_masks(&data.search);
                                for (i, keep) in mask.iter_mut().enumerate() {
                                    *keep = *keep
                                        && matcher.matches_fields_at(
                                            &fields,
                                            &data.search,
                                            i,
                                            || &data.users[i],
                                            expires(i),
                                            now,
                                        );
                                }
                            }
                            masks.push((settled, mask));
                            masks.len() - 1
                        }
                    };
                    let mask = &masks[at].1;
                    base.iter().copied().filter(|&i| mask[i]).collect()
                }
            };
            let fresh = known.is_none() && !filter.is_empty();
            let mut rows = if fresh {
                let rows = matched.clone();
                view.remember(Filtered {
                    sort,
                    filter: filter.clone(),
                    at: now,
                    matched,
                });
                rows
            } else {
                matched
            };
            if view.reversed {
                rows.reverse();
            }
            view.rows = rows;
            // Found by index, not by reading each row's user.
            let keep = view
                .cursor_user
                .and_then(|id| data.by_id.get(&id))
                .and_then(|&at| view.rows.iter().position(|&i| i == at));
            view.cursor = keep.unwrap_or(view.cursor.min(view.rows.len().saturating_sub(1)));
            clamp_offset(view, page);
            view.cursor_user = view.rows.get(view.cursor).map(|&i| data.users[i].id);
        }
    }

    /// Moves the cursor of `tab` to `row`, scrolling as needed.
    pub fn move_to(&mut self, tab: Tab, row: usize, data: Option<&Data>, page: usize) {
        let view = &mut self.tabs[tab.index()];
        if view.rows.is_empty() {
            view.cursor = 0;
            view.offset = 0;
            view.cursor_user = None;
            return;
        }
        view.cursor = row.min(view.rows.len() - 1);
        clamp_offset(view, page);
        view.cursor_user = data.map(|d| d.users[view.rows[view.cursor]].id);
    }

    /// Keeps the page in view after the terminal changed size.
    pub fn clamp(&mut self, page: usize) {
        for view in &mut self.tabs {
            clamp_offset(view, page);
        }
    }
}
