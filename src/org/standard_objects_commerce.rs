//! Standard order and catalogue objects: Order, OrderItem, Product2, Pricebook2,
//! PricebookEntry.
use super::schema::{FieldDef, FieldType as T, ObjectDef};
use super::standard_objects::{
    address, auto_number, defaulted, derived, finish, name, object, owner, text,
};

pub(super) fn order() -> ObjectDef {
    let mut o = object("Order", "Order", "Orders");
    o.put_field(auto_number("OrderNumber", "Order Number"));
    o.put_field(
        FieldDef::new("AccountId", "Account ID", T::Reference)
            .lookup("Account", "Account", Some("Orders"))
            .required_field(),
    );
    o.put_field(FieldDef::new("EffectiveDate", "Order Start Date", T::Date).required_field());
    o.put_field(FieldDef::new("EndDate", "Order End Date", T::Date));
    // A restricted picklist, as OrderStatus.StatusCode is documented to be: each value
    // belongs to the Draft or the Activated category (`org::order_status`).
    let mut status = defaulted(
        FieldDef::new("Status", "Status", T::Picklist).picklist_of(&["Draft", "Activated"]),
        "Draft",
    );
    status.restricted_picklist = true;
    o.put_field(status);
    o.put_field(
        FieldDef::new("Pricebook2Id", "Price Book ID", T::Reference).lookup(
            "Pricebook2",
            "Pricebook2",
            Some("Orders"),
        ),
    );
    o.put_field(FieldDef::new("Type", "Order Type", T::Picklist));
    o.put_field(FieldDef::new("Description", "Description", T::TextArea));
    address(&mut o, "Billing", "Billing");
    address(&mut o, "Shipping", "Shipping");
    o.put_field(derived(FieldDef::new(
        "TotalAmount",
        "Order Amount",
        T::Currency,
    )));
    o.put_field(derived(FieldDef::new(
        "ActivatedDate",
        "Activated Date",
        T::DateTime,
    )));
    owner(&mut o);
    finish(o)
}

pub(super) fn order_item() -> ObjectDef {
    let mut o = object("OrderItem", "Order Product", "Order Products");
    o.put_field(auto_number("OrderItemNumber", "Order Product Number"));
    let mut order = FieldDef::new("OrderId", "Order ID", T::Reference)
        .lookup("Order", "Order", Some("OrderItems"))
        .required_field();
    order.updateable = false;
    o.put_field(order);
    let mut pbe = FieldDef::new("PricebookEntryId", "Price Book Entry ID", T::Reference)
        .lookup("PricebookEntry", "PricebookEntry", None)
        .required_field();
    pbe.updateable = false;
    o.put_field(pbe);
    o.put_field(
        FieldDef::new("Product2Id", "Product ID", T::Reference)
            .lookup("Product2", "Product2", None),
    );
    o.put_field(FieldDef::new("Quantity", "Quantity", T::Double).required_field());
    o.put_field(FieldDef::new("UnitPrice", "Unit Price", T::Currency).required_field());
    o.put_field(derived(FieldDef::new(
        "ListPrice",
        "List Price",
        T::Currency,
    )));
    o.put_field(derived(FieldDef::new(
        "TotalPrice",
        "Total Price",
        T::Currency,
    )));
    o.put_field(FieldDef::new("ServiceDate", "Start Date", T::Date));
    o.put_field(text("Description", "Line Description", 255));
    finish(o)
}

pub(super) fn product() -> ObjectDef {
    let mut o = object("Product2", "Product", "Products");
    o.put_field(name(text("Name", "Product Name", 255).required_field()));
    o.put_field(text("ProductCode", "Product Code", 255));
    o.put_field(FieldDef::new("Description", "Product Description", T::TextArea).with_length(4000));
    o.put_field(FieldDef::new("IsActive", "Active", T::Boolean));
    o.put_field(FieldDef::new("Family", "Product Family", T::Picklist).picklist_of(&["None"]));
    o.put_field(text("StockKeepingUnit", "Product SKU", 180));
    let mut ext = text("ExternalId", "External ID", 255);
    ext.external_id = true;
    o.put_field(ext);
    finish(o)
}

pub(super) fn pricebook() -> ObjectDef {
    let mut o = object("Pricebook2", "Price Book", "Price Books");
    o.put_field(name(text("Name", "Price Book Name", 255).required_field()));
    o.put_field(FieldDef::new("IsActive", "Active", T::Boolean));
    o.put_field(derived(FieldDef::new(
        "IsStandard",
        "Is Standard Price Book",
        T::Boolean,
    )));
    o.put_field(text("Description", "Description", 255));
    finish(o)
}

pub(super) fn pricebook_entry() -> ObjectDef {
    let mut o = object("PricebookEntry", "Price Book Entry", "Price Book Entries");
    o.put_field(name(derived(text("Name", "Product Name", 255))));
    let mut pb = FieldDef::new("Pricebook2Id", "Price Book ID", T::Reference)
        .lookup("Pricebook2", "Pricebook2", Some("PricebookEntries"))
        .required_field();
    pb.updateable = false;
    o.put_field(pb);
    let mut pr = FieldDef::new("Product2Id", "Product ID", T::Reference)
        .lookup("Product2", "Product2", Some("PricebookEntries"))
        .required_field();
    pr.updateable = false;
    o.put_field(pr);
    o.put_field(FieldDef::new("UnitPrice", "List Price", T::Currency).required_field());
    o.put_field(FieldDef::new("IsActive", "Active", T::Boolean));
    o.put_field(FieldDef::new(
        "UseStandardPrice",
        "Use Standard Price",
        T::Boolean,
    ));
    o.put_field(derived(text("ProductCode", "Product Code", 255)));
    finish(o)
}
