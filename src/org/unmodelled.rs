//! Standard objects and fields every real org has that sflab's mock org does not model.
//!
//! A query or write naming one of them gets the error a real org gives for a name it does not
//! know, followed by a sentence saying the name is right on a real org, so a learner who
//! pastes a working query from their own org is not sent hunting for a typo (as
//! `soql::unsupported` does for valid SOQL the mock does not implement). The sentence is
//! sflab's own; no real org says it.
//!
//! Implementation notes: the lists name commonly used members of the Object Reference's
//! standard objects, not all of them; names the mock does model never reach here, since they
//! resolve.

/// Standard fields of the modelled objects that the mock's schema leaves out.
const FIELDS: &[(&str, &[&str])] = &[
    (
        "Account",
        &[
            "AccountSource",
            "Sic",
            "SicDesc",
            "TickerSymbol",
            "Ownership",
            "Jigsaw",
            "LastActivityDate",
            "LastViewedDate",
            "LastReferencedDate",
            "PhotoUrl",
        ],
    ),
    (
        "Contact",
        &[
            "HomePhone",
            "OtherPhone",
            "AssistantName",
            "AssistantPhone",
            "OtherStreet",
            "OtherCity",
            "OtherState",
            "OtherPostalCode",
            "OtherCountry",
            "OtherAddress",
            "LastActivityDate",
            "LastViewedDate",
            "LastReferencedDate",
            "DoNotCall",
        ],
    ),
    (
        "Lead",
        &[
            "Rating",
            "Website",
            "MobilePhone",
            "HasOptedOutOfEmail",
            "DoNotCall",
            "ConvertedOpportunityId",
            "LastActivityDate",
        ],
    ),
    (
        "Opportunity",
        &[
            "ForecastCategory",
            "ForecastCategoryName",
            "IsPrivate",
            "FiscalYear",
            "FiscalQuarter",
            "Fiscal",
            "CampaignId",
            "ContactId",
            "HasOpportunityLineItem",
            "LastActivityDate",
        ],
    ),
    (
        "Case",
        &[
            "ContactEmail",
            "ContactPhone",
            "ContactMobile",
            "IsEscalated",
            "SuppliedPhone",
            "SuppliedCompany",
            "AssetId",
            "Comments",
        ],
    ),
    (
        "Task",
        &[
            "AccountId",
            "TaskSubtype",
            "CallType",
            "CallDisposition",
            "CompletedDateTime",
            "IsRecurrence",
            "ReminderDateTime",
            "IsReminderSet",
        ],
    ),
    (
        "User",
        &[
            "UserRoleId",
            "LastLoginDate",
            "Phone",
            "MobilePhone",
            "ContactId",
            "AccountId",
        ],
    ),
];

/// Standard objects the mock org does not model.
const OBJECTS: &[&str] = &[
    "AccountContactRelation",
    "Asset",
    "Attachment",
    "BusinessHours",
    "Campaign",
    "CampaignMember",
    "CaseComment",
    "ContentDocument",
    "ContentDocumentLink",
    "ContentVersion",
    "Contract",
    "EmailMessage",
    "Event",
    "FeedItem",
    "Group",
    "GroupMember",
    "Note",
    "OpportunityContactRole",
    "OpportunityLineItem",
    "RecordType",
    "UserRole",
];

/// The sentence to add to "no such column" for `field` of `object`, when it is a standard
/// field the mock leaves out.
pub fn field_note(object: &str, field: &str) -> Option<String> {
    let (o, fields) = FIELDS
        .iter()
        .find(|(o, _)| o.eq_ignore_ascii_case(object))?;
    let f = fields.iter().find(|f| f.eq_ignore_ascii_case(field))?;
    Some(format!(
        "{f} is a standard field of {o} on a real org, but sflab's mock org does not model it"
    ))
}

/// The sentence to add to "sObject type … is not supported" for `object`, when it is a
/// standard object the mock leaves out.
pub fn object_note(object: &str) -> Option<String> {
    let o = OBJECTS.iter().find(|o| o.eq_ignore_ascii_case(object))?;
    Some(format!(
        "{o} is a standard object on a real org, but sflab's mock org does not model it"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::standard_objects::standard_schema;

    #[test]
    fn standard_names_the_mock_leaves_out_are_named_whatever_their_case() {
        assert_eq!(
            field_note("task", "accountid").as_deref(),
            Some("AccountId is a standard field of Task on a real org, but sflab's mock org does not model it")
        );
        assert!(object_note("CAMPAIGN").is_some());
        assert_eq!(field_note("Account", "Naem"), None);
        assert_eq!(object_note("Acount"), None);
    }

    #[test]
    fn no_listed_name_is_one_the_mock_models() {
        let s = standard_schema();
        let mut modelled = Vec::new();
        for (object, fields) in FIELDS {
            let o = s.object(object).expect(object);
            for f in *fields {
                if o.field(f).is_some() {
                    modelled.push(format!("{object}.{f}"));
                }
            }
        }
        for o in OBJECTS {
            if s.object(o).is_some() {
                modelled.push(o.to_string());
            }
        }
        assert!(modelled.is_empty(), "modelled: {modelled:?}");
    }
}
