//! Standard CRM objects: Account, Contact, Lead, Opportunity, Case, Task.
use super::schema::{FieldDef, FieldType as T, ObjectDef};
use super::standard_objects::{
    address, auto_number, defaulted, derived, finish, name, object, owner, person_name, text,
};

/// The Industry values Account and Lead share (one standard picklist on a real org), a
/// selection of the standard set.
const INDUSTRIES: &[&str] = &[
    "Agriculture",
    "Banking",
    "Construction",
    "Education",
    "Energy",
    "Manufacturing",
    "Retail",
    "Technology",
    "Transportation",
    "Other",
];

pub(super) fn account() -> ObjectDef {
    let mut o = object("Account", "Account", "Accounts");
    o.put_field(name(text("Name", "Account Name", 255).required_field()));
    o.put_field(
        FieldDef::new("Type", "Account Type", T::Picklist).picklist_of(&[
            "Prospect",
            "Customer - Direct",
            "Customer - Channel",
            "Channel Partner / Reseller",
            "Installation Partner",
            "Technology Partner",
            "Other",
        ]),
    );
    o.put_field(
        FieldDef::new("ParentId", "Parent Account ID", T::Reference).lookup(
            "Account",
            "Parent",
            Some("ChildAccounts"),
        ),
    );
    address(&mut o, "Billing", "Billing");
    address(&mut o, "Shipping", "Shipping");
    o.put_field(FieldDef::new("Phone", "Account Phone", T::Phone));
    o.put_field(FieldDef::new("Fax", "Account Fax", T::Phone));
    o.put_field(text("AccountNumber", "Account Number", 40));
    o.put_field(FieldDef::new("Website", "Website", T::Url));
    o.put_field(text("Site", "Account Site", 80));
    o.put_field(FieldDef::new("Industry", "Industry", T::Picklist).picklist_of(INDUSTRIES));
    // Sizes as the object reference gives them: revenue in whole units (currency 18, 0),
    // employees up to eight digits.
    o.put_field(FieldDef::new("AnnualRevenue", "Annual Revenue", T::Currency).with_size(18, 0));
    o.put_field(FieldDef::new("NumberOfEmployees", "Employees", T::Int).with_size(8, 0));
    o.put_field(
        FieldDef::new("Rating", "Account Rating", T::Picklist)
            .picklist_of(&["Hot", "Warm", "Cold"]),
    );
    o.put_field(FieldDef::new(
        "Description",
        "Account Description",
        T::TextArea,
    ));
    owner(&mut o);
    finish(o)
}

pub(super) fn contact() -> ObjectDef {
    let mut o = object("Contact", "Contact", "Contacts");
    o.put_field(
        FieldDef::new("AccountId", "Account ID", T::Reference).lookup(
            "Account",
            "Account",
            Some("Contacts"),
        ),
    );
    person_name(&mut o);
    o.put_field(
        FieldDef::new("Salutation", "Salutation", T::Picklist)
            .picklist_of(&["Mr.", "Ms.", "Mrs.", "Dr.", "Prof."]),
    );
    o.put_field(FieldDef::new("Email", "Email", T::Email).with_length(80));
    o.put_field(FieldDef::new("Phone", "Business Phone", T::Phone));
    o.put_field(FieldDef::new("MobilePhone", "Mobile Phone", T::Phone));
    o.put_field(text("Title", "Title", 128));
    o.put_field(text("Department", "Department", 80));
    address(&mut o, "Mailing", "Mailing");
    o.put_field(FieldDef::new("Birthdate", "Birthdate", T::Date));
    o.put_field(
        FieldDef::new("ReportsToId", "Reports To ID", T::Reference).lookup(
            "Contact",
            "ReportsTo",
            None,
        ),
    );
    o.put_field(
        FieldDef::new("LeadSource", "Lead Source", T::Picklist).picklist_of(&[
            "Web",
            "Phone Inquiry",
            "Partner Referral",
            "Other",
        ]),
    );
    o.put_field(FieldDef::new(
        "HasOptedOutOfEmail",
        "Email Opt Out",
        T::Boolean,
    ));
    o.put_field(FieldDef::new(
        "Description",
        "Contact Description",
        T::TextArea,
    ));
    owner(&mut o);
    finish(o)
}

pub(super) fn lead() -> ObjectDef {
    let mut o = object("Lead", "Lead", "Leads");
    person_name(&mut o);
    o.put_field(text("Company", "Company", 255).required_field());
    o.put_field(defaulted(
        FieldDef::new("Status", "Lead Status", T::Picklist).picklist_of(&[
            "Open - Not Contacted",
            "Working - Contacted",
            "Closed - Converted",
            "Closed - Not Converted",
        ]),
        "Open - Not Contacted",
    ));
    o.put_field(FieldDef::new("Email", "Email", T::Email).with_length(80));
    o.put_field(FieldDef::new("Phone", "Phone", T::Phone));
    o.put_field(text("Title", "Title", 128));
    address(&mut o, "", "");
    o.put_field(
        FieldDef::new("LeadSource", "Lead Source", T::Picklist).picklist_of(&[
            "Web",
            "Phone Inquiry",
            "Partner Referral",
            "Other",
        ]),
    );
    o.put_field(FieldDef::new("Industry", "Industry", T::Picklist).picklist_of(INDUSTRIES));
    // Sizes as the object reference gives them: revenue in whole units (currency 18, 0),
    // employees up to eight digits.
    o.put_field(FieldDef::new("AnnualRevenue", "Annual Revenue", T::Currency).with_size(18, 0));
    o.put_field(FieldDef::new("NumberOfEmployees", "Employees", T::Int).with_size(8, 0));
    o.put_field(derived(FieldDef::new(
        "IsConverted",
        "Converted",
        T::Boolean,
    )));
    o.put_field(derived(FieldDef::new(
        "ConvertedDate",
        "Converted Date",
        T::Date,
    )));
    o.put_field(derived(
        FieldDef::new("ConvertedAccountId", "Converted Account ID", T::Reference).lookup(
            "Account",
            "ConvertedAccount",
            None,
        ),
    ));
    o.put_field(derived(
        FieldDef::new("ConvertedContactId", "Converted Contact ID", T::Reference).lookup(
            "Contact",
            "ConvertedContact",
            None,
        ),
    ));
    o.put_field(FieldDef::new("Description", "Description", T::TextArea));
    owner(&mut o);
    finish(o)
}

pub(super) fn opportunity() -> ObjectDef {
    let mut o = object("Opportunity", "Opportunity", "Opportunities");
    o.put_field(name(text("Name", "Name", 120).required_field()));
    o.put_field(
        FieldDef::new("AccountId", "Account ID", T::Reference).lookup(
            "Account",
            "Account",
            Some("Opportunities"),
        ),
    );
    o.put_field(
        FieldDef::new("StageName", "Stage", T::Picklist)
            .picklist_of(&[
                "Prospecting",
                "Qualification",
                "Needs Analysis",
                "Proposal/Price Quote",
                "Negotiation/Review",
                "Closed Won",
                "Closed Lost",
            ])
            .required_field(),
    );
    o.put_field(FieldDef::new("CloseDate", "Close Date", T::Date).required_field());
    o.put_field(FieldDef::new("Amount", "Amount", T::Currency));
    o.put_field(FieldDef::new("Probability", "Probability (%)", T::Percent));
    o.put_field(
        FieldDef::new("Type", "Opportunity Type", T::Picklist)
            .picklist_of(&["Existing Business", "New Business"]),
    );
    o.put_field(
        FieldDef::new("LeadSource", "Lead Source", T::Picklist).picklist_of(&[
            "Web",
            "Phone Inquiry",
            "Partner Referral",
            "Other",
        ]),
    );
    o.put_field(text("NextStep", "Next Step", 255));
    o.put_field(FieldDef::new("Description", "Description", T::TextArea));
    o.put_field(derived(FieldDef::new("IsClosed", "Closed", T::Boolean)));
    o.put_field(derived(FieldDef::new("IsWon", "Won", T::Boolean)));
    o.put_field(
        FieldDef::new("Pricebook2Id", "Price Book ID", T::Reference).lookup(
            "Pricebook2",
            "Pricebook2",
            Some("Opportunities"),
        ),
    );
    owner(&mut o);
    finish(o)
}

pub(super) fn case() -> ObjectDef {
    let mut o = object("Case", "Case", "Cases");
    o.put_field(auto_number("CaseNumber", "Case Number"));
    o.put_field(
        FieldDef::new("AccountId", "Account ID", T::Reference).lookup(
            "Account",
            "Account",
            Some("Cases"),
        ),
    );
    o.put_field(
        FieldDef::new("ContactId", "Contact ID", T::Reference).lookup(
            "Contact",
            "Contact",
            Some("Cases"),
        ),
    );
    o.put_field(
        FieldDef::new("ParentId", "Parent Case ID", T::Reference).lookup("Case", "Parent", None),
    );
    o.put_field(text("Subject", "Subject", 255));
    o.put_field(FieldDef::new("Description", "Description", T::TextArea));
    o.put_field(defaulted(
        FieldDef::new("Status", "Status", T::Picklist).picklist_of(&[
            "New",
            "Working",
            "Escalated",
            "Closed",
        ]),
        "New",
    ));
    o.put_field(defaulted(
        FieldDef::new("Priority", "Priority", T::Picklist).picklist_of(&["High", "Medium", "Low"]),
        "Medium",
    ));
    o.put_field(
        FieldDef::new("Origin", "Case Origin", T::Picklist).picklist_of(&["Phone", "Email", "Web"]),
    );
    o.put_field(
        FieldDef::new("Type", "Case Type", T::Picklist).picklist_of(&[
            "Mechanical",
            "Electrical",
            "Electronic",
            "Structural",
            "Other",
        ]),
    );
    o.put_field(
        FieldDef::new("Reason", "Case Reason", T::Picklist).picklist_of(&[
            "Installation",
            "Equipment Complexity",
            "Performance",
            "Breakdown",
            "Equipment Design",
            "Feedback",
            "Other",
        ]),
    );
    o.put_field(FieldDef::new("SuppliedEmail", "Web Email", T::Email).with_length(80));
    o.put_field(text("SuppliedName", "Web Name", 80));
    o.put_field(derived(FieldDef::new("IsClosed", "Closed", T::Boolean)));
    o.put_field(derived(FieldDef::new(
        "ClosedDate",
        "Closed Date",
        T::DateTime,
    )));
    owner(&mut o);
    finish(o)
}

pub(super) fn task() -> ObjectDef {
    let mut o = object("Task", "Task", "Tasks");
    o.put_field(text("Subject", "Subject", 255));
    let mut who =
        FieldDef::new("WhoId", "Name ID", T::Reference).lookup("Contact", "Who", Some("Tasks"));
    who.reference_to.push("Lead".into());
    o.put_field(who);
    let mut what = FieldDef::new("WhatId", "Related To ID", T::Reference).lookup(
        "Account",
        "What",
        Some("Tasks"),
    );
    for t in ["Opportunity", "Case", "Order", "Product2"] {
        what.reference_to.push(t.into());
    }
    o.put_field(what);
    o.put_field(FieldDef::new("ActivityDate", "Due Date Only", T::Date));
    o.put_field(defaulted(
        FieldDef::new("Status", "Status", T::Picklist).picklist_of(&[
            "Not Started",
            "In Progress",
            "Completed",
            "Waiting on someone else",
            "Deferred",
        ]),
        "Not Started",
    ));
    o.put_field(defaulted(
        FieldDef::new("Priority", "Priority", T::Picklist).picklist_of(&["High", "Normal", "Low"]),
        "Normal",
    ));
    o.put_field(
        FieldDef::new("Type", "Type", T::Picklist)
            .picklist_of(&["Call", "Email", "Meeting", "Other"]),
    );
    o.put_field(FieldDef::new("Description", "Comments", T::TextArea));
    o.put_field(FieldDef::new(
        "CallDurationInSeconds",
        "Call Duration",
        T::Int,
    ));
    o.put_field(derived(FieldDef::new("IsClosed", "Closed", T::Boolean)));
    owner(&mut o);
    finish(o)
}
