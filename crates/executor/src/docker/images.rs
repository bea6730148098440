//! Which image runs a runtime: the official Lambda base images by default,
//! overridable per runtime and by registry prefix.

use std::collections::HashMap;

pub const OFFICIAL_PREFIX: &str = "public.ecr.aws/lambda/";

#[derive(Clone, Debug, Default)]
pub struct ImageSettings {
    /// Replaces `public.ecr.aws/lambda/` (e.g. a mirror registry).
    pub prefix: Option<String>,
    /// Runtime identifier → image, taking precedence over everything.
    pub overrides: HashMap<String, String>,
}

impl ImageSettings {
    pub fn image_for(&self, runtime: &str) -> Option<String> {
        if let Some(image) = self.overrides.get(runtime) {
            return Some(image.clone());
        }
        let (repository, tag) = official_repository_and_tag(runtime)?;
        let prefix = self.prefix.as_deref().unwrap_or(OFFICIAL_PREFIX);
        let separator = if prefix.is_empty() || prefix.ends_with('/') {
            ""
        } else {
            "/"
        };
        Some(format!("{prefix}{separator}{repository}:{tag}"))
    }
}

/// `python3.12` → (`python`, `3.12`), `nodejs22.x` → (`nodejs`, `22`),
/// `provided.al2023` → (`provided`, `al2023`), `java8.al2` → (`java`, `8.al2`).
fn official_repository_and_tag(runtime: &str) -> Option<(&'static str, String)> {
    const FAMILIES: [&str; 7] = [
        "python", "nodejs", "java", "dotnet", "ruby", "provided", "go",
    ];
    if runtime == "custom" {
        return Some(("provided", "al2023".into()));
    }
    let family = FAMILIES.into_iter().find(|f| runtime.starts_with(f))?;
    let rest = &runtime[family.len()..];
    let tag = match family {
        "provided" => match rest.trim_start_matches('.') {
            "" => "alami".to_string(),
            other => other.to_string(),
        },
        "go" => "1".to_string(),
        // The bare `nodejs` identifier predates versioned images.
        _ if rest.is_empty() => "latest".to_string(),
        _ => rest.trim_end_matches(".x").to_string(),
    };
    Some((family, tag))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_names() {
        let s = ImageSettings::default();
        let cases = [
            ("python3.12", "public.ecr.aws/lambda/python:3.12"),
            ("nodejs22.x", "public.ecr.aws/lambda/nodejs:22"),
            ("java21", "public.ecr.aws/lambda/java:21"),
            ("java8.al2", "public.ecr.aws/lambda/java:8.al2"),
            ("dotnet8", "public.ecr.aws/lambda/dotnet:8"),
            ("ruby3.4", "public.ecr.aws/lambda/ruby:3.4"),
            ("provided.al2023", "public.ecr.aws/lambda/provided:al2023"),
            ("provided", "public.ecr.aws/lambda/provided:alami"),
            ("go1.x", "public.ecr.aws/lambda/go:1"),
        ];
        for (runtime, image) in cases {
            assert_eq!(s.image_for(runtime).as_deref(), Some(image), "{runtime}");
        }
        for runtime in laminar_model::enums::Runtime::VALUES {
            assert!(s.image_for(runtime).is_some(), "{runtime} has an image");
        }
    }

    #[test]
    fn overrides_and_prefix() {
        let s = ImageSettings {
            prefix: Some("mirror.local:5000/lambda".into()),
            overrides: HashMap::from([("python3.12".into(), "my/python:dev".into())]),
        };
        assert_eq!(s.image_for("python3.12").as_deref(), Some("my/python:dev"));
        assert_eq!(
            s.image_for("nodejs20.x").as_deref(),
            Some("mirror.local:5000/lambda/nodejs:20")
        );
    }
}
