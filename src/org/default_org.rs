//! The org `sflab org serve` starts when no `--seed` is given: enough data for the lessons'
//! examples to work out of the box.
//!
//! Account carries `ERP_Id__c` (text, external id, unique) as in the upsert examples, Order
//! carries `ERP_Order_Id__c`; a few Accounts, Contacts and Opportunities exist; the org has an
//! admin and an integration user; Change Data Capture covers Account and Contact, and
//! OrderShipped__e and OrderActivated__e are defined.
//!
//! The Organization record says it is a Developer Edition org, and so not a sandbox: Developer
//! Edition orgs have no sandboxes (a sandbox reports its production org's edition), and the
//! allocations are Developer Edition's: 15,000 API requests a day in `/limits` and
//! `Sforce-Limit-Info`, as the lessons show them.

/// The default seed, as YAML (the same format lab authors write).
pub const DEFAULT_SEED: &str = r#"
org:
  name: sflab Mock Org
  is_sandbox: false
  instance_name: NA224
  organization_type: Developer Edition

objects:
  Account:
    fields:
      ERP_Id__c: { type: text, label: ERP Id, length: 40, externalId: true, unique: true }
  Order:
    fields:
      ERP_Order_Id__c: { type: text, label: ERP Order Id, length: 40, externalId: true, unique: true }
      Shipment_Status__c:
        type: picklist
        label: Shipment Status
        values: [Pending, Shipped, Delivered, Returned]

events:
  platform:
    OrderShipped__e:
      label: Order Shipped
      publish: after_commit
      volume: high
      fields: { Order_Number__c: text, Carrier__c: text, Tracking_Number__c: text,
                Shipped_At__c: datetime, Weight_Kg__c: number }
    OrderActivated__e:
      label: Order Activated
      publish: after_commit
      volume: high
      fields: { ERP_Order_Id__c: text, Order_Number__c: text, Account_Number__c: text,
                Amount__c: number, Activated_At__c: datetime }
  change_data_capture: [Account, Contact]

users:
  - { username: admin@sflab.example, first_name: Ada, last_name: Admin, alias: aadmin,
      email: admin@sflab.example, profile: System Administrator, ref: admin,
      password: Admin-sflab-1 }
  - { username: integration@sflab.example, first_name: Ivo, last_name: Integration,
      alias: integ, email: integration@sflab.example, profile: Integration User,
      title: Integration User, ref: integration,
      license: salesforce_integration, permission_sets: [sflab_Integration] }

records:
  - Account: { ref: falcon, Name: Falcon Corp, ERP_Id__c: A-1000, Industry: Manufacturing,
               BillingCity: Lyon, BillingCountry: France, NumberOfEmployees: 420,
               AnnualRevenue: 52000000, Phone: "+33 4 72 00 00 00", Type: Customer - Direct }
  - Account: { ref: harbor, Name: Harbor Logistics, ERP_Id__c: A-1001, Industry: Transportation,
               BillingCity: Rotterdam, BillingCountry: Netherlands, NumberOfEmployees: 1300,
               Type: Customer - Channel }
  - Account: { ref: juniper, Name: Juniper Health, ERP_Id__c: A-1002, Industry: Other,
               BillingCity: Austin, BillingState: TX, BillingCountry: USA, Rating: Warm,
               Type: Prospect }
  - Account: { Name: Northwind Traders, Industry: Retail, BillingCity: Seattle,
               BillingCountry: USA }
  - Contact: { FirstName: Maya, LastName: Rossi, Email: maya.rossi@falcon.example,
               Title: Head of Procurement, AccountId: { ref: falcon } }
  - Contact: { FirstName: Jonas, LastName: Berg, Email: jonas.berg@falcon.example,
               Title: Buyer, AccountId: { ref: falcon } }
  - Contact: { FirstName: Lena, LastName: de Vries, Email: lena.devries@harbor.example,
               Title: Operations Manager, AccountId: { ref: harbor } }
  - Contact: { FirstName: Sam, LastName: Okafor, Email: sam.okafor@juniper.example,
               AccountId: { ref: juniper } }
  - Opportunity: { Name: Falcon Corp - Line 4 retrofit, StageName: Negotiation/Review,
                   CloseDate: "2026-12-15", Amount: 180000, AccountId: { ref: falcon } }
  - Opportunity: { Name: Harbor Logistics - Fleet sensors, StageName: Closed Won,
                   CloseDate: "2026-06-30", Amount: 95000, AccountId: { ref: harbor } }
  - Opportunity: { Name: Juniper Health - Pilot, StageName: Prospecting,
                   CloseDate: "2027-03-31", Amount: 25000, AccountId: { ref: juniper } }
  - Order: { ref: order1, AccountId: { ref: falcon }, EffectiveDate: "2026-10-01",
             ERP_Order_Id__c: SO-5001, Shipment_Status__c: Pending }
  - Case: { Subject: Sensor firmware fails to update, Priority: High, Origin: Email,
            AccountId: { ref: harbor } }
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::seed::OrgSeed;

    #[test]
    fn default_seed_parses() {
        let seed = OrgSeed::from_yaml(DEFAULT_SEED).unwrap();
        assert_eq!(seed.users.len(), 2);
        assert!(seed.objects["Account"].fields["ERP_Id__c"].external_id);
        assert_eq!(seed.other.keys().collect::<Vec<_>>(), vec!["events"]);
    }

    #[test]
    fn the_default_org_is_a_developer_edition_org_and_so_not_a_sandbox() {
        let org = crate::org::Org::default_org();
        let s = org.store.read();
        let o = s
            .retrieve(
                "Organization",
                org.id.as_str(),
                Some(&["IsSandbox", "OrganizationType", "InstanceName"]),
                "62.0",
            )
            .unwrap();
        assert_eq!(o["IsSandbox"], false);
        assert_eq!(o["OrganizationType"], "Developer Edition");
        assert!(!o["InstanceName"].as_str().unwrap().starts_with("CS"));
        assert!(!org.seed.org.sandbox(), "the SOAP login's <sandbox> agrees");
    }
}
