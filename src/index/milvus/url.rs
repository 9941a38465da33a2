//! The address of a Milvus store: `milvus://HOST[:PORT]/COLLECTION`.

use std::fmt;
use std::str::FromStr;

/// Milvus's default port.
pub const DEFAULT_PORT: u16 = 19530;

/// A collection of a Milvus server, as `--store` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreUrl {
    /// The server's host name or address.
    pub host: String,
    /// Its port (the proxy's, which serves gRPC and the RESTful API).
    pub port: u16,
    /// The collection: a letter or underscore, then letters, digits and underscores (Milvus's rule), at most 255.
    pub collection: String,
}

impl FromStr for StoreUrl {
    type Err = String;

    fn from_str(text: &str) -> Result<StoreUrl, String> {
        let shape = "expected milvus://HOST[:PORT]/COLLECTION, for example milvus://127.0.0.1:19530/notes";
        let rest = text
            .strip_prefix("milvus://")
            .ok_or_else(|| format!("{text:?}: not a Milvus address ({shape})"))?;
        let (authority, collection) = rest
            .split_once('/')
            .ok_or_else(|| format!("{text:?}: no collection ({shape})"))?;
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) => {
                let port = port
                    .parse::<u16>()
                    .ok()
                    .filter(|&p| p > 0)
                    .ok_or_else(|| format!("{text:?}: the port {port:?} is not a number from 1 to 65535"))?;
                (host, port)
            }
            None => (authority, DEFAULT_PORT),
        };
        if host.is_empty() || !host.chars().all(|c| c.is_ascii_alphanumeric() || ".-_[]:".contains(c)) {
            return Err(format!("{text:?}: {host:?} is not a host name or address ({shape})"));
        }
        let mut chars = collection.chars();
        let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        if !first_ok || collection.len() > 255 || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!(
                "{text:?}: {collection:?} is not a collection name (a letter or underscore, then letters, digits and \
                 underscores)"
            ));
        }
        Ok(StoreUrl {
            host: host.to_string(),
            port,
            collection: collection.to_string(),
        })
    }
}

impl fmt::Display for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "milvus://{}:{}/{}", self.host, self.port, self.collection)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_names_host_port_and_collection_and_a_bad_one_says_what_is_wrong() {
        let url: StoreUrl = "milvus://127.0.0.1:19531/notes_2026".parse().unwrap();
        assert_eq!(
            (url.host.as_str(), url.port, url.collection.as_str()),
            ("127.0.0.1", 19531, "notes_2026")
        );
        assert_eq!(url.to_string(), "milvus://127.0.0.1:19531/notes_2026");
        let default: StoreUrl = "milvus://db.local/_x".parse().unwrap();
        assert_eq!(default.port, DEFAULT_PORT);
        for (bad, says) in [
            ("http://h/c", "not a Milvus address"),
            ("milvus://h", "no collection"),
            ("milvus://h:0/c", "not a number from 1 to 65535"),
            ("milvus://h:99999/c", "not a number"),
            ("milvus:///c", "not a host name"),
            ("milvus://h/9c", "not a collection name"),
            ("milvus://h/a-b", "not a collection name"),
            ("milvus://h/", "not a collection name"),
        ] {
            let err = bad.parse::<StoreUrl>().unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }
}
