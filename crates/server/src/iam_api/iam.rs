//! IAM's operations: the request's parameters to a service call.

use super::params::Params;
use laminar_iam::{CreatePolicy, CreateRole, IamError, IamService, ListPolicies, Out};

pub fn call(iam: &IamService, account: &str, action: &str, p: &Params) -> Result<Out, IamError> {
    let role = || p.required("RoleName");
    let user = || p.required("UserName");
    let group = || p.required("GroupName");
    let policy_arn = || p.required("PolicyArn");
    let policy_name = || p.required("PolicyName");
    let document = || p.required("PolicyDocument");
    let marker = p.get("Marker");
    let max_items = p.int("MaxItems")?;
    let prefix = p.get("PathPrefix");
    match action {
        "CreateRole" => iam.create_role(
            account,
            CreateRole {
                name: role()?.into(),
                path: p.owned("Path"),
                trust: p.required("AssumeRolePolicyDocument")?.into(),
                description: p.owned("Description"),
                max_session: p.int("MaxSessionDuration")?,
                boundary: p.owned("PermissionsBoundary"),
                tags: p.tags(),
            },
        ),
        "GetRole" => iam.get_role(account, role()?),
        "ListRoles" => iam.list_roles(account, prefix, marker, max_items),
        "UpdateRole" => iam.update_role(
            account,
            role()?,
            p.owned("Description"),
            p.int("MaxSessionDuration")?,
        ),
        "UpdateAssumeRolePolicy" => iam.update_assume_role_policy(account, role()?, document()?),
        "DeleteRole" => iam.delete_role(account, role()?),
        "TagRole" => iam.tag_role(account, role()?, &p.tags()),
        "UntagRole" => iam.untag_role(account, role()?, &p.list("TagKeys")),
        "ListRoleTags" => iam.list_role_tags(account, role()?, marker, max_items),
        "ListInstanceProfilesForRole" => {
            iam.list_instance_profiles_for_role(account, role()?, marker, max_items)
        }
        "PutRolePolicy" => iam.put_role_policy(account, role()?, policy_name()?, document()?),
        "GetRolePolicy" => iam.get_role_policy(account, role()?, policy_name()?),
        "DeleteRolePolicy" => iam.delete_role_policy(account, role()?, policy_name()?),
        "ListRolePolicies" => iam.list_role_policies(account, role()?, marker, max_items),
        "AttachRolePolicy" => iam.attach_role_policy(account, role()?, policy_arn()?),
        "DetachRolePolicy" => iam.detach_role_policy(account, role()?, policy_arn()?),
        "ListAttachedRolePolicies" => {
            iam.list_attached_role_policies(account, role()?, prefix, marker, max_items)
        }
        "CreatePolicy" => iam.create_policy(
            account,
            CreatePolicy {
                name: policy_name()?.into(),
                path: p.owned("Path"),
                document: document()?.into(),
                description: p.owned("Description"),
                tags: p.tags(),
            },
        ),
        "GetPolicy" => iam.get_policy(account, policy_arn()?),
        "ListPolicies" => iam.list_policies(
            account,
            ListPolicies {
                scope: p.owned("Scope"),
                only_attached: p.flag("OnlyAttached"),
                path_prefix: p.owned("PathPrefix"),
                marker: p.owned("Marker"),
                max_items,
            },
        ),
        "DeletePolicy" => iam.delete_policy(account, policy_arn()?),
        "CreatePolicyVersion" => {
            iam.create_policy_version(policy_arn()?, document()?, p.flag("SetAsDefault"))
        }
        "GetPolicyVersion" => iam.get_policy_version(policy_arn()?, p.required("VersionId")?),
        "ListPolicyVersions" => iam.list_policy_versions(policy_arn()?, marker, max_items),
        "DeletePolicyVersion" => iam.delete_policy_version(policy_arn()?, p.required("VersionId")?),
        "SetDefaultPolicyVersion" => {
            iam.set_default_policy_version(policy_arn()?, p.required("VersionId")?)
        }
        "ListEntitiesForPolicy" => iam.list_entities_for_policy(account, policy_arn()?),
        "CreateUser" => iam.create_user(account, user()?, p.owned("Path"), &p.tags()),
        "GetUser" => iam.get_user(account, user()?),
        "ListUsers" => iam.list_users(account, prefix, marker, max_items),
        "DeleteUser" => iam.delete_user(account, user()?),
        "CreateAccessKey" => iam.create_access_key(account, user()?),
        "ListAccessKeys" => iam.list_access_keys(account, user()?),
        "DeleteAccessKey" => iam.delete_access_key(account, user()?, p.required("AccessKeyId")?),
        "PutUserPolicy" => iam.put_user_policy(account, user()?, policy_name()?, document()?),
        "GetUserPolicy" => iam.get_user_policy(account, user()?, policy_name()?),
        "DeleteUserPolicy" => iam.delete_user_policy(account, user()?, policy_name()?),
        "ListUserPolicies" => iam.list_user_policies(account, user()?, marker, max_items),
        "AttachUserPolicy" => iam.attach_user_policy(account, user()?, policy_arn()?),
        "DetachUserPolicy" => iam.detach_user_policy(account, user()?, policy_arn()?),
        "ListAttachedUserPolicies" => {
            iam.list_attached_user_policies(account, user()?, prefix, marker, max_items)
        }
        "CreateGroup" => iam.create_group(account, group()?, p.owned("Path")),
        "GetGroup" => iam.get_group(account, group()?, marker, max_items),
        "ListGroups" => iam.list_groups(account, prefix, marker, max_items),
        "DeleteGroup" => iam.delete_group(account, group()?),
        "AddUserToGroup" => iam.add_user_to_group(account, group()?, user()?),
        "RemoveUserFromGroup" => iam.remove_user_from_group(account, group()?, user()?),
        "ListGroupsForUser" => iam.list_groups_for_user(account, user()?, marker, max_items),
        "PutGroupPolicy" => iam.put_group_policy(account, group()?, policy_name()?, document()?),
        "GetGroupPolicy" => iam.get_group_policy(account, group()?, policy_name()?),
        "DeleteGroupPolicy" => iam.delete_group_policy(account, group()?, policy_name()?),
        "ListGroupPolicies" => iam.list_group_policies(account, group()?, marker, max_items),
        "AttachGroupPolicy" => iam.attach_group_policy(account, group()?, policy_arn()?),
        "DetachGroupPolicy" => iam.detach_group_policy(account, group()?, policy_arn()?),
        "ListAttachedGroupPolicies" => {
            iam.list_attached_group_policies(account, group()?, prefix, marker, max_items)
        }
        other => Err(IamError::invalid_action(other, "2010-05-08")),
    }
}
