//! The product's rules about who may do what to whom, as pure functions. The service calls them
//! inside the store transaction that performs the change, so the check and the write it guards
//! can't be separated; front ends call the same functions only through the service (dry runs).

use super::error::{Refusal, Result};
use super::{Field, Invite, Role, Roles, User, UserId, UserStatus};
use std::collections::BTreeSet;
use time::OffsetDateTime;

/// The acting user must be active and an Owner or Admin.
pub fn require_manager(actor: &User) -> Result<()> {
    if actor.status != UserStatus::Active {
        return Err(Refusal::ActorInactive {
            actor: actor.email.to_string(),
        });
    }
    if !actor.roles.can_manage() {
        return Err(Refusal::NotAnAdmin {
            actor: actor.email.to_string(),
        });
    }
    Ok(())
}

fn require_owner(actor: &User, action: &str) -> Result<()> {
    if actor.roles.is_owner() {
        Ok(())
    } else {
        Err(Refusal::OwnerOnly {
            action: action.into(),
        })
    }
}

fn wrong_status(target: &User, hint: &str) -> Refusal {
    Refusal::WrongStatus {
        email: target.email.to_string(),
        status: target.status.label().into(),
        hint: hint.into(),
    }
}

/// Refuses a change that would leave the workspace without an active Owner.
fn keep_an_owner(target: &User, active_owners: &BTreeSet<UserId>) -> Result<()> {
    let others = active_owners.iter().any(|id| *id != target.id);
    if target.is_active_owner() && !others {
        return Err(Refusal::LastOwner {
            email: target.email.to_string(),
        });
    }
    Ok(())
}

pub fn check_invite(actor: &User, roles: Roles) -> Result<()> {
    require_manager(actor)?;
    if roles.is_owner() {
        require_owner(actor, "invite a new Owner")?;
    }
    Ok(())
}

/// Whether `actor` may deactivate `target`: `Ok(false)` when the target already is inactive
/// (nothing to do, and nothing refused: a leavers' script can run twice).
pub fn check_deactivate(
    actor: &User,
    target: &User,
    active_owners: &BTreeSet<UserId>,
) -> Result<bool> {
    require_manager(actor)?;
    if actor.id == target.id {
        return Err(Refusal::OwnAccount {
            action: "deactivate".into(),
        });
    }
    match target.status {
        UserStatus::Active => {}
        UserStatus::Inactive => return Ok(false),
        UserStatus::Invited => {
            return Err(wrong_status(target, "cancel the pending invite instead"));
        }
    }
    if target.roles.is_owner() {
        require_owner(actor, "deactivate an Owner")?;
    }
    keep_an_owner(target, active_owners)?;
    Ok(true)
}

/// Whether `actor` may reactivate `target`: `Ok(false)` when the target already is active.
pub fn check_reactivate(actor: &User, target: &User) -> Result<bool> {
    require_manager(actor)?;
    match target.status {
        UserStatus::Inactive => {}
        UserStatus::Active => return Ok(false),
        UserStatus::Invited => {
            return Err(wrong_status(
                target,
                "the invite is still pending; resend it instead",
            ));
        }
    }
    if target.roles.is_owner() {
        require_owner(actor, "reactivate an Owner")?;
    }
    Ok(true)
}

pub fn check_delete(actor: &User, target: &User, active_owners: &BTreeSet<UserId>) -> Result<()> {
    require_manager(actor)?;
    if actor.id == target.id {
        return Err(Refusal::OwnAccount {
            action: "delete".into(),
        });
    }
    if target.roles.is_owner() {
        require_owner(actor, "delete an Owner")?;
    }
    keep_an_owner(target, active_owners)
}

pub fn check_set_roles(
    actor: &User,
    target: &User,
    new_roles: Roles,
    active_owners: &BTreeSet<UserId>,
) -> Result<()> {
    require_manager(actor)?;
    if target.roles.is_owner() != new_roles.is_owner() {
        require_owner(actor, "grant or remove the Owner role")?;
        if !new_roles.is_owner() {
            keep_an_owner(target, active_owners)?;
        }
    }
    Ok(())
}

/// Handing the Owner role to another user: only an active Owner may, and only to another
/// active user (an invitee could never sign in to take over; a deactivated user can't at all).
/// Returns the roles each ends with: the target gains Owner; the actor loses it and keeps
/// their other roles, or becomes an Admin when Owner was their only one (a user always has a
/// role, and a former Owner still manages the workspace until someone decides otherwise).
pub fn transfer_ownership(actor: &User, target: &User) -> Result<(Roles, Roles)> {
    require_manager(actor)?;
    require_owner(actor, "transfer ownership")?;
    if actor.id == target.id {
        // Not "ask another admin": nobody else can; the Owner named themselves.
        return Err(Refusal::WrongStatus {
            email: target.email.to_string(),
            status: "the Owner already".into(),
            hint: "name the active user who takes over".into(),
        });
    }
    match target.status {
        UserStatus::Active => {}
        UserStatus::Inactive => {
            return Err(wrong_status(
                target,
                "reactivate them first, or transfer ownership to an active user",
            ));
        }
        UserStatus::Invited => {
            return Err(wrong_status(
                target,
                "they must accept their invite before they can own the workspace",
            ));
        }
    }
    let target_roles = target
        .roles
        .with(super::Role::Owner, true)
        .unwrap_or(Roles::one(super::Role::Owner));
    let actor_roles = actor
        .roles
        .with(super::Role::Owner, false)
        .unwrap_or(Roles::one(super::Role::Admin));
    Ok((actor_roles, target_roles))
}

/// Profile, team and beta changes: any Owner or Admin, on any user of the workspace.
/// A change of roles (add some, remove some, keep the rest) names at least one role, and
/// none both to add and to remove.
pub fn check_role_change(add: &[Role], remove: &[Role]) -> Result<()> {
    if add.is_empty() && remove.is_empty() {
        return Err(Refusal::invalid(
            Field::Roles,
            "name a role to add or one to remove",
        ));
    }
    if let Some(r) = add.iter().find(|r| remove.contains(r)) {
        return Err(Refusal::invalid(
            Field::Roles,
            format!("{r} is both added and removed: name it once"),
        ));
    }
    Ok(())
}

pub fn check_edit(actor: &User) -> Result<()> {
    require_manager(actor)
}

/// Resending or cancelling an invite. An Owner's invite is an Owner's business: resending it
/// shows the link to whoever resends, who could then accept it themselves.
pub fn check_invite_change(actor: &User, target: &User, action: &str) -> Result<()> {
    require_manager(actor)?;
    if target.status != UserStatus::Invited {
        return Err(wrong_status(target, "there is no pending invite"));
    }
    if target.roles.is_owner() {
        require_owner(actor, &format!("{action} an Owner's invite"))?;
    }
    Ok(())
}

/// Accepting: the invite must be pending, the token current (checked by the caller through the
/// token index) and unexpired.
pub fn check_accept(user: &User, invite: &Invite, now: OffsetDateTime) -> Result<()> {
    if user.status != UserStatus::Invited || !invite.is_pending() {
        return Err(Refusal::InviteInvalid);
    }
    if invite.is_expired(now) {
        return Err(Refusal::InviteExpired);
    }
    Ok(())
}

/// Whether a user can sign in, and if not, why: the answer to "this user can't access".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Access {
    CanSignIn,
    /// Active, but has no password (an account seeded without one).
    NoPassword,
    InvitePending {
        #[serde(with = "time::serde::rfc3339")]
        expires_at: OffsetDateTime,
    },
    InviteExpired {
        #[serde(with = "time::serde::rfc3339")]
        expired_at: OffsetDateTime,
    },
    Deactivated {
        #[serde(with = "time::serde::rfc3339::option")]
        at: Option<OffsetDateTime>,
        by: Option<UserId>,
    },
}

pub fn access(
    user: &User,
    invite: Option<&Invite>,
    has_password: bool,
    now: OffsetDateTime,
) -> Access {
    match user.status {
        UserStatus::Active if has_password => Access::CanSignIn,
        UserStatus::Active => Access::NoPassword,
        UserStatus::Inactive => Access::Deactivated {
            at: user.deactivated_at,
            by: user.deactivated_by,
        },
        UserStatus::Invited => match invite {
            Some(inv) if inv.is_expired(now) => Access::InviteExpired {
                expired_at: inv.expires_at,
            },
            Some(inv) => Access::InvitePending {
                expires_at: inv.expires_at,
            },
            None => Access::InviteExpired { expired_at: now },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Email, PersonName, Role, WorkspaceId};

    fn user(email: &str, roles: &[Role], status: UserStatus) -> User {
        let mut u = User::new_invited(
            WorkspaceId::from_bytes([0; 16]),
            Email::parse(email).unwrap(),
            PersonName::parse("X").unwrap(),
            PersonName::parse("X").unwrap(),
            Roles::new(roles.iter().copied()).unwrap(),
            None,
            OffsetDateTime::UNIX_EPOCH,
        );
        u.status = status;
        u
    }

    fn owners(users: &[&User]) -> BTreeSet<UserId> {
        users
            .iter()
            .filter(|u| u.is_active_owner())
            .map(|u| u.id)
            .collect()
    }

    #[test]
    fn ownership_goes_to_an_active_user_and_leaves_the_owner_an_admin() {
        let owner = user("o@x.io", &[Role::Owner], UserStatus::Active);
        let both = user("b@x.io", &[Role::Owner, Role::Agent], UserStatus::Active);
        let agent = user("a@x.io", &[Role::Agent], UserStatus::Active);
        let (from, to) = transfer_ownership(&owner, &agent).unwrap();
        assert_eq!(from, Roles::one(Role::Admin));
        assert_eq!(to, Roles::new([Role::Owner, Role::Agent]).unwrap());
        let (from, _) = transfer_ownership(&both, &agent).unwrap();
        assert_eq!(from, Roles::one(Role::Agent), "other roles are kept");
        for status in [UserStatus::Inactive, UserStatus::Invited] {
            let target = user("t@x.io", &[Role::Agent], status);
            assert!(matches!(
                transfer_ownership(&owner, &target),
                Err(Refusal::WrongStatus { .. })
            ));
        }
        let admin = user("ad@x.io", &[Role::Admin], UserStatus::Active);
        assert!(matches!(
            transfer_ownership(&admin, &agent),
            Err(Refusal::OwnerOnly { .. })
        ));
        let to_self = transfer_ownership(&owner, &owner).unwrap_err();
        assert!(
            matches!(to_self, Refusal::WrongStatus { .. }),
            "{to_self:?}"
        );
        assert!(to_self.to_string().contains("takes over"), "{to_self}");
        assert!(
            !to_self.to_string().contains("ask another admin"),
            "{to_self}"
        );
    }

    #[test]
    fn only_owners_and_admins_manage() {
        let agent = user("a@x.io", &[Role::Agent], UserStatus::Active);
        let sup = user(
            "s@x.io",
            &[Role::Supervisor, Role::Agent],
            UserStatus::Active,
        );
        let admin = user("ad@x.io", &[Role::Admin], UserStatus::Active);
        let target = user("t@x.io", &[Role::Agent], UserStatus::Active);
        let set = owners(&[]);
        assert!(matches!(
            check_deactivate(&agent, &target, &set),
            Err(Refusal::NotAnAdmin { .. })
        ));
        assert!(matches!(
            check_deactivate(&sup, &target, &set),
            Err(Refusal::NotAnAdmin { .. })
        ));
        assert_eq!(check_deactivate(&admin, &target, &set), Ok(true));
        assert!(matches!(
            check_invite(&agent, Roles::one(Role::Agent)),
            Err(Refusal::NotAnAdmin { .. })
        ));
        let mut inactive_admin = admin.clone();
        inactive_admin.status = UserStatus::Inactive;
        assert!(matches!(
            check_edit(&inactive_admin),
            Err(Refusal::ActorInactive { .. })
        ));
    }

    #[test]
    fn owner_only_actions() {
        let admin = user("ad@x.io", &[Role::Admin], UserStatus::Active);
        let owner = user("o@x.io", &[Role::Owner], UserStatus::Active);
        let owner2 = user("o2@x.io", &[Role::Owner], UserStatus::Active);
        let agent = user("a@x.io", &[Role::Agent], UserStatus::Active);
        let set = owners(&[&owner, &owner2]);
        assert!(matches!(
            check_invite(&admin, Roles::one(Role::Owner)),
            Err(Refusal::OwnerOnly { .. })
        ));
        assert!(check_invite(&owner, Roles::one(Role::Owner)).is_ok());
        assert!(matches!(
            check_deactivate(&admin, &owner2, &set),
            Err(Refusal::OwnerOnly { .. })
        ));
        assert!(matches!(
            check_delete(&admin, &owner2, &set),
            Err(Refusal::OwnerOnly { .. })
        ));
        assert!(matches!(
            check_set_roles(&admin, &agent, Roles::one(Role::Owner), &set),
            Err(Refusal::OwnerOnly { .. })
        ));
        assert!(matches!(
            check_set_roles(&admin, &owner2, Roles::one(Role::Agent), &set),
            Err(Refusal::OwnerOnly { .. })
        ));
        // an Admin may change an Owner's other roles as long as Owner stays
        let both = Roles::new([Role::Owner, Role::Agent]).unwrap();
        assert!(check_set_roles(&admin, &owner2, both, &set).is_ok());
        assert!(check_set_roles(&owner, &agent, Roles::one(Role::Owner), &set).is_ok());
    }

    #[test]
    fn last_owner_is_protected() {
        let owner = user("o@x.io", &[Role::Owner], UserStatus::Active);
        let other = user("p@x.io", &[Role::Owner, Role::Admin], UserStatus::Active);
        let only = owners(&[&owner]);
        let e = check_set_roles(&owner, &owner, Roles::one(Role::Admin), &only).unwrap_err();
        assert_eq!(
            e,
            Refusal::LastOwner {
                email: "o@x.io".into()
            }
        );
        // the set says `owner` is the last one; `other` acting on them is refused too
        assert!(matches!(
            check_deactivate(&other, &owner, &only),
            Err(Refusal::LastOwner { .. })
        ));
        assert!(matches!(
            check_delete(&other, &owner, &only),
            Err(Refusal::LastOwner { .. })
        ));
        let two = owners(&[&owner, &other]);
        assert_eq!(check_deactivate(&other, &owner, &two), Ok(true));
        assert!(check_set_roles(&owner, &owner, Roles::one(Role::Admin), &two).is_ok());
    }

    #[test]
    fn nobody_deactivates_or_deletes_themselves() {
        let owner = user("o@x.io", &[Role::Owner], UserStatus::Active);
        let other = user("p@x.io", &[Role::Owner], UserStatus::Active);
        let set = owners(&[&owner, &other]);
        assert!(matches!(
            check_deactivate(&owner, &owner, &set),
            Err(Refusal::OwnAccount { .. })
        ));
        assert!(matches!(
            check_delete(&owner, &owner, &set),
            Err(Refusal::OwnAccount { .. })
        ));
    }

    #[test]
    fn status_must_fit_the_action() {
        let admin = user("ad@x.io", &[Role::Admin], UserStatus::Active);
        let invited = user("i@x.io", &[Role::Agent], UserStatus::Invited);
        let inactive = user("n@x.io", &[Role::Agent], UserStatus::Inactive);
        let active = user("a@x.io", &[Role::Agent], UserStatus::Active);
        let set = BTreeSet::new();
        assert!(matches!(
            check_deactivate(&admin, &invited, &set),
            Err(Refusal::WrongStatus { .. })
        ));
        // Already so is no refusal: nothing to do.
        assert_eq!(check_deactivate(&admin, &inactive, &set), Ok(false));
        assert_eq!(check_reactivate(&admin, &inactive), Ok(true));
        assert_eq!(check_reactivate(&admin, &active), Ok(false));
        assert!(matches!(
            check_reactivate(&admin, &invited),
            Err(Refusal::WrongStatus { .. })
        ));
        assert!(check_invite_change(&admin, &invited, "resend").is_ok());
        assert!(matches!(
            check_invite_change(&admin, &active, "resend"),
            Err(Refusal::WrongStatus { .. })
        ));
    }
}
