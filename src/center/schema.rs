//! The JSON Schema of center files (`routeflow schema --center`), for completion and validation in
//! editors. Written by hand, as the reader reads YAML nodes one by one; a test holds its property names
//! equal to the reader's.

use serde_json::{Value, json};

/// The schema (draft 2020-12) of a contact-center file (SPEC §3.3, docs/center-format.md).
pub fn json_schema() -> Value {
    let name = json!({ "type": "string", "minLength": 1 });
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "routeflow contact center",
        "description": "The simulated contact center that `routeflow replay`, `run` and `test` route workitems to.",
        "type": "object",
        "properties": {
            "default_handle_s": {
                "description": "Seconds an agent works a workitem whose line has no `handle_s` (default 300).",
                "type": ["number", "null"],
                "minimum": 0,
                "maximum": crate::time::LIMIT_S,
                "default": 300
            },
            "offer_timeout_s": {
                "description": "routeflow serve: seconds a live agent has to accept an offer before it expires and the agent is put not ready (default 30).",
                "type": ["number", "null"],
                "minimum": 0,
                "maximum": crate::time::LIMIT_S,
                "default": 30
            },
            "override_key": {
                "description": "routeflow serve: the user-data key whose value names the integration of an assignment's screen pop-up (default `overrideKey`, which the sample writes).",
                "type": ["string", "null"],
                "minLength": 1,
                "default": "overrideKey"
            },
            "integrations": {
                "description": "routeflow serve: integration names and the URL templates of their screen pop-ups, filled from user data: `{key}` is the value of user-data key `key`, percent-encoded; `{{` and `}}` are braces.",
                "type": ["object", "null"],
                "additionalProperties": { "type": "string" }
            },
            "agents": {
                "description": "The agents; their order is the tie-break of routing (the first listed wins).",
                "type": "array",
                "items": { "$ref": "#/$defs/Agent" }
            }
        },
        "required": ["agents"],
        "additionalProperties": false,
        "$defs": {
            "Agent": {
                "type": "object",
                "properties": {
                    "id": {
                        "description": "The agent's id, unique in the file; Route targets name agents by it. Quote ids that look like numbers.",
                        "type": "string",
                        "minLength": 1
                    },
                    "groups": {
                        "description": "The agent groups the agent belongs to.",
                        "type": ["array", "null"],
                        "items": name
                    },
                    "skills": {
                        "description": "Skill name → level, a whole number; a skill not listed is level 0.",
                        "type": ["object", "null"],
                        "propertyNames": name,
                        "additionalProperties": { "type": "integer" }
                    },
                    "capacity": {
                        "description": "How many workitems the agent works at once (default 1).",
                        "type": ["integer", "null"],
                        "minimum": 1,
                        "maximum": u32::MAX,
                        "default": 1
                    },
                    "auto_accept": {
                        "description": "routeflow serve: the agent takes workitems routed to it without an offer to accept (default false).",
                        "type": ["boolean", "null"],
                        "default": false
                    },
                    "ready": {
                        "description": "When the agent is ready: half-open [start_s, end_s) intervals of virtual time (default: always; `.inf` ends never).",
                        "type": ["array", "null"],
                        "items": {
                            "type": "array",
                            "prefixItems": [
                                { "type": "number", "minimum": 0, "maximum": crate::time::LIMIT_S },
                                { "type": "number", "minimum": 0 }
                            ],
                            "minItems": 2,
                            "maxItems": 2
                        }
                    }
                },
                "required": ["id"],
                "additionalProperties": false
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(properties: &Value) -> Vec<String> {
        let mut names: Vec<String> = properties
            .as_object()
            .expect("properties")
            .keys()
            .cloned()
            .collect();
        names.sort();
        names
    }

    fn sorted(fields: &[&str]) -> Vec<String> {
        let mut fields: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
        fields.sort();
        fields
    }

    #[test]
    fn the_schema_names_the_properties_the_reader_reads() {
        let schema = json_schema();
        assert_eq!(
            names(&schema["properties"]),
            sorted(super::super::read::top_level_properties())
        );
        assert_eq!(
            names(&schema["$defs"]["Agent"]["properties"]),
            sorted(super::super::read::agent_properties())
        );
    }
}
