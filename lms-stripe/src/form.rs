//! Stripe's request bodies: `application/x-www-form-urlencoded`, with nested fields in
//! bracket syntax (`metadata[order_id]=…`, `items[0][plan]=…`).

/// A request body under construction: fields in the order they were added.
#[derive(Debug, Default)]
pub(crate) struct Form(Vec<(String, String)>);

impl Form {
    /// An empty body.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Adds a top-level field.
    pub(crate) fn field(self, name: &str, value: impl Into<String>) -> Self {
        self.nested(&[name], value)
    }

    /// Adds a nested field: `["items", "0", "plan"]` is `items[0][plan]`, an element of a
    /// list (by index) or of a hash (by key).
    pub(crate) fn nested(mut self, path: &[&str], value: impl Into<String>) -> Self {
        let mut name = String::new();
        for (depth, part) in path.iter().enumerate() {
            if depth == 0 {
                name.push_str(part);
            } else {
                name.push('[');
                name.push_str(part);
                name.push(']');
            }
        }
        self.0.push((name, value.into()));
        self
    }

    /// The encoded body (brackets percent-encoded, as any form decoder expects).
    pub(crate) fn encode(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&self.0)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_fields_use_bracket_syntax() {
        let form = Form::new()
            .field("customer", "cus_123")
            .nested(&["items", "0", "plan"], "plan_Premium")
            .nested(&["metadata", "order_id"], "order 7 & co")
            .nested(&["invoice_settings", "default_payment_method"], "pm_1");

        let encoded = form.encode();
        assert_eq!(
            encoded,
            "customer=cus_123\
             &items%5B0%5D%5Bplan%5D=plan_Premium\
             &metadata%5Border_id%5D=order+7+%26+co\
             &invoice_settings%5Bdefault_payment_method%5D=pm_1"
        );

        let decoded: Vec<(String, String)> = url::form_urlencoded::parse(encoded.as_bytes()).into_owned().collect();
        assert_eq!(
            decoded,
            [
                ("customer", "cus_123"),
                ("items[0][plan]", "plan_Premium"),
                ("metadata[order_id]", "order 7 & co"),
                ("invoice_settings[default_payment_method]", "pm_1"),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
    }
}
