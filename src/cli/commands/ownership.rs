//! `transfer-ownership --to EMAIL`: the seed's "the Owner is leaving" in one step. The core
//! grants Owner to the target and removes it from the acting Owner in one transaction.

use super::{Opened, resolve};
use crate::text::safe;
use std::io::Write;

pub async fn transfer_ownership(opened: &Opened, to: &str, json: bool) -> anyhow::Result<()> {
    let api = opened.api.as_ref();
    let target = resolve::user_by_email(api, to).await?;
    let moved = api.transfer_ownership(target.id).await?;
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string(&moved)?)?;
    } else {
        writeln!(
            out,
            "{} is now the Owner ({}); {} is now {}",
            safe(moved.owner.email.as_str()),
            moved.owner.roles,
            safe(moved.previous_owner.email.as_str()),
            moved.previous_owner.roles
        )?;
    }
    Ok(())
}
