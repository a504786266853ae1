//! The `eventbus.v1` Pub/Sub API messages, written by hand as prost messages from the
//! published field names and numbers (the same definition is in `src/org/pubsub/pubsub_api.proto` for
//! clients that generate code), so official clients interoperate.

#![allow(missing_docs)]

/// The gRPC service name.
pub const SERVICE: &str = "eventbus.v1.PubSub";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum ErrorCode {
    Unknown = 0,
    Publish = 1,
    Commit = 2,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum ReplayPreset {
    Latest = 0,
    Earliest = 1,
    Custom = 2,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct TopicInfo {
    #[prost(string, tag = "1")]
    pub topic_name: String,
    #[prost(string, tag = "2")]
    pub tenant_guid: String,
    #[prost(bool, tag = "3")]
    pub can_publish: bool,
    #[prost(bool, tag = "4")]
    pub can_subscribe: bool,
    #[prost(string, tag = "5")]
    pub schema_id: String,
    #[prost(string, tag = "6")]
    pub rpc_id: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct TopicRequest {
    #[prost(string, tag = "1")]
    pub topic_name: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct EventHeader {
    #[prost(string, tag = "1")]
    pub key: String,
    #[prost(bytes = "vec", tag = "2")]
    pub value: Vec<u8>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ProducerEvent {
    #[prost(string, tag = "1")]
    pub id: String,
    #[prost(string, tag = "2")]
    pub schema_id: String,
    #[prost(bytes = "vec", tag = "3")]
    pub payload: Vec<u8>,
    #[prost(message, repeated, tag = "4")]
    pub headers: Vec<EventHeader>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ConsumerEvent {
    #[prost(message, optional, tag = "1")]
    pub event: Option<ProducerEvent>,
    #[prost(bytes = "vec", tag = "2")]
    pub replay_id: Vec<u8>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PublishResult {
    #[prost(bytes = "vec", tag = "1")]
    pub replay_id: Vec<u8>,
    #[prost(message, optional, tag = "2")]
    pub error: Option<Error>,
    #[prost(string, tag = "3")]
    pub correlation_key: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Error {
    #[prost(enumeration = "ErrorCode", tag = "1")]
    pub code: i32,
    #[prost(string, tag = "2")]
    pub msg: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct FetchRequest {
    #[prost(string, tag = "1")]
    pub topic_name: String,
    #[prost(enumeration = "ReplayPreset", tag = "2")]
    pub replay_preset: i32,
    #[prost(bytes = "vec", tag = "3")]
    pub replay_id: Vec<u8>,
    #[prost(int32, tag = "4")]
    pub num_requested: i32,
    #[prost(string, tag = "5")]
    pub auth_refresh: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct FetchResponse {
    #[prost(message, repeated, tag = "1")]
    pub events: Vec<ConsumerEvent>,
    #[prost(bytes = "vec", tag = "2")]
    pub latest_replay_id: Vec<u8>,
    #[prost(string, tag = "3")]
    pub rpc_id: String,
    #[prost(int32, tag = "4")]
    pub pending_num_requested: i32,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct SchemaRequest {
    #[prost(string, tag = "1")]
    pub schema_id: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct SchemaInfo {
    #[prost(string, tag = "1")]
    pub schema_json: String,
    #[prost(string, tag = "2")]
    pub schema_id: String,
    #[prost(string, tag = "3")]
    pub rpc_id: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PublishRequest {
    #[prost(string, tag = "1")]
    pub topic_name: String,
    #[prost(message, repeated, tag = "2")]
    pub events: Vec<ProducerEvent>,
    #[prost(string, tag = "3")]
    pub auth_refresh: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PublishResponse {
    #[prost(message, repeated, tag = "1")]
    pub results: Vec<PublishResult>,
    #[prost(string, tag = "2")]
    pub schema_id: String,
    #[prost(string, tag = "3")]
    pub rpc_id: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ManagedFetchRequest {
    #[prost(string, tag = "1")]
    pub subscription_id: String,
    #[prost(string, tag = "2")]
    pub developer_name: String,
    #[prost(int32, tag = "3")]
    pub num_requested: i32,
    #[prost(string, tag = "4")]
    pub auth_refresh: String,
    #[prost(message, optional, tag = "5")]
    pub commit_replay_id_request: Option<CommitReplayRequest>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct CommitReplayRequest {
    #[prost(string, tag = "1")]
    pub commit_request_id: String,
    #[prost(bytes = "vec", tag = "2")]
    pub replay_id: Vec<u8>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct CommitReplayResponse {
    #[prost(string, tag = "1")]
    pub commit_request_id: String,
    #[prost(bytes = "vec", tag = "2")]
    pub replay_id: Vec<u8>,
    #[prost(message, optional, tag = "3")]
    pub error: Option<Error>,
    #[prost(int64, tag = "4")]
    pub process_time: i64,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ManagedFetchResponse {
    #[prost(message, repeated, tag = "1")]
    pub events: Vec<ConsumerEvent>,
    #[prost(bytes = "vec", tag = "2")]
    pub latest_replay_id: Vec<u8>,
    #[prost(string, tag = "3")]
    pub rpc_id: String,
    #[prost(int32, tag = "4")]
    pub pending_num_requested: i32,
    #[prost(message, optional, tag = "5")]
    pub commit_response: Option<CommitReplayResponse>,
}

/// Replay ids on the wire: 8 bytes, big-endian (opaque to clients, as on a real org).
pub fn replay_id_bytes(id: u64) -> Vec<u8> {
    id.to_be_bytes().to_vec()
}

/// The replay id in `bytes`, or `None` when they are not one sflab issued.
pub fn replay_id_of(bytes: &[u8]) -> Option<u64> {
    let a: [u8; 8] = bytes.try_into().ok()?;
    Some(u64::from_be_bytes(a))
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    #[test]
    fn a_fetch_request_encodes_with_the_published_field_numbers() {
        let r = FetchRequest {
            topic_name: "/event/A__e".into(),
            replay_preset: ReplayPreset::Custom as i32,
            replay_id: replay_id_bytes(7),
            num_requested: 3,
            auth_refresh: String::new(),
        };
        let bytes = r.encode_to_vec();
        // field 1, wire type 2 (length-delimited) → tag byte 0x0a; field 4 varint → 0x20.
        assert_eq!(bytes[0], 0x0a);
        assert!(bytes.windows(2).any(|w| w == [0x20, 3]));
        assert_eq!(FetchRequest::decode(bytes.as_slice()).unwrap(), r);
        assert_eq!(replay_id_of(&r.replay_id), Some(7));
        assert_eq!(replay_id_of(b"abc"), None);
    }
}
