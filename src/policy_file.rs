//! Loading a policy from a file: a regular file within the policy size limit, holding a YAML
//! policy or its compiled form (`regionfence compile`), told apart by how it starts.

use crate::cli::{read_limited, PolicyFileError};
use crate::{CompileOptions, Policy};
use std::path::Path;

impl Policy {
    /// Loads the policy in the file at `path`: a YAML policy, or the compiled form
    /// `regionfence compile` writes (a JSON object whose `format` is
    /// [`COMPILED_FORMAT`](crate::COMPILED_FORMAT)). A pipe, a device or a directory is
    /// refused before it is opened, and a file over
    /// [`MAX_POLICY_BYTES`](crate::limits::MAX_POLICY_BYTES) before it is read.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{CompileOptions, Policy};
    /// let options = CompileOptions::new();
    /// let yaml = Policy::from_path("policies/segment.yaml".as_ref(), &options).unwrap();
    /// let compiled = Policy::from_path("policies/segment.compiled.json".as_ref(), &options).unwrap();
    /// assert_eq!(yaml.digest(), compiled.digest());
    /// let err = Policy::from_path("policies/no-such.yaml".as_ref(), &options).unwrap_err();
    /// assert!(err.to_string().starts_with("policies/no-such.yaml: "), "{err}");
    /// ```
    pub fn from_path(path: &Path, options: &CompileOptions) -> Result<Policy, PolicyFileError> {
        let text = read_limited(path, crate::limits::MAX_POLICY_BYTES)?;
        let loaded = if Policy::looks_compiled(&text) {
            Policy::from_compiled_with(&text, options)
        } else {
            Policy::from_yaml_with(&text, options)
        };
        loaded.map_err(|error| PolicyFileError::Invalid {
            path: path.to_path_buf(),
            error: Box::new(error),
        })
    }
}
