//! Video lessons and watch tracking: completion counts *distinct* time watched, so
//! seeking to the end or replaying one part never completes a video.

use serde::{Deserialize, Serialize};

use crate::error::{Error, FieldError, Result, Validator};

/// Characters a YouTube video id may contain (11 of them).
fn is_youtube_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// A YouTube video id (11 characters of `A–Z a–z 0–9 - _`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct YoutubeId(String);

impl YoutubeId {
    /// Validates the id's shape.
    pub fn parse(raw: &str) -> Result<Self> {
        let raw = raw.trim();
        if raw.len() == 11 && raw.chars().all(is_youtube_id_char) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(Error::invalid(
                "",
                "invalid_youtube_id",
                "must be an 11-character YouTube video id",
            ))
        }
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for YoutubeId {
    type Error = Error;

    fn try_from(raw: String) -> Result<Self> {
        Self::parse(&raw)
    }
}

impl From<YoutubeId> for String {
    fn from(value: YoutubeId) -> String {
        value.0
    }
}

/// A video lesson's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Video {
    /// The YouTube video.
    pub youtube_id: YoutubeId,
    /// Length of the video in whole seconds (1 to 86,400).
    pub duration_seconds: u32,
    /// Share of distinct seconds that must be watched to complete (1–100, default 90).
    pub completion_threshold_percent: u8,
}

impl Video {
    /// Default completion threshold: 90 % of the duration.
    pub const DEFAULT_THRESHOLD_PERCENT: u8 = 90;
    /// Longest accepted video: one day.
    pub const MAX_DURATION_SECONDS: u32 = 86_400;

    /// Validates a video description.
    pub fn new(youtube_id: &str, duration_seconds: u32, threshold_percent: Option<u8>) -> Result<Self> {
        let mut v = Validator::new();
        let youtube_id = v.field("youtube_id", YoutubeId::parse(youtube_id));
        if !(1..=Self::MAX_DURATION_SECONDS).contains(&duration_seconds) {
            v.push(FieldError::new(
                "duration_seconds",
                "out_of_range",
                format!("must be between 1 and {}", Self::MAX_DURATION_SECONDS),
            ));
        }
        let threshold = threshold_percent.unwrap_or(Self::DEFAULT_THRESHOLD_PERCENT);
        if !(1..=100).contains(&threshold) {
            v.push(FieldError::new(
                "completion_threshold_percent",
                "out_of_range",
                "must be between 1 and 100",
            ));
        }
        v.finish()?;
        Ok(Self {
            youtube_id: youtube_id.expect("validated above"),
            duration_seconds,
            completion_threshold_percent: threshold,
        })
    }

    /// The embed URL with the player parameters the platform requires
    /// (no controls, no keyboard, modest branding, no related videos).
    pub fn embed_url(&self) -> String {
        format!(
            "https://www.youtube.com/embed/{}?controls=0&disablekb=1&modestbranding=1&rel=0",
            self.youtube_id.as_str()
        )
    }

    fn duration_ms(&self) -> u64 {
        u64::from(self.duration_seconds) * 1000
    }

    /// True when `covered_ms` of distinct playback reaches the threshold.
    pub fn is_complete(&self, covered_ms: u64) -> bool {
        covered_ms * 100 >= self.duration_ms() * u64::from(self.completion_threshold_percent)
    }
}

/// A span of the video the player reports as watched, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchInterval {
    start_ms: u64,
    end_ms: u64,
}

impl WatchInterval {
    /// Most intervals accepted in one heartbeat.
    pub const MAX_PER_HEARTBEAT: usize = 1_000;

    /// Builds an interval from player seconds; rejects non-finite, negative or
    /// inverted spans. Spans past the video's end are clamped later.
    pub fn from_seconds(start: f64, end: f64) -> Result<Self> {
        if !start.is_finite() || !end.is_finite() {
            return Err(Error::invalid("", "not_finite", "must be finite numbers"));
        }
        if start < 0.0 || end < 0.0 {
            return Err(Error::invalid("", "negative", "must not be negative"));
        }
        if end <= start {
            return Err(Error::invalid("", "inverted", "end must be greater than start"));
        }
        // Capped at twice the longest video, so the conversion to integers cannot overflow.
        let cap = f64::from(Video::MAX_DURATION_SECONDS) * 2.0;
        let to_ms = |s: f64| (s.min(cap) * 1000.0).round() as u64;
        Ok(Self {
            start_ms: to_ms(start),
            end_ms: to_ms(end),
        })
    }

    /// Start in milliseconds.
    pub fn start_ms(&self) -> u64 {
        self.start_ms
    }

    /// End in milliseconds (exclusive).
    pub fn end_ms(&self) -> u64 {
        self.end_ms
    }
}

/// A set of disjoint, sorted watched spans `[start, end)` in milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IntervalSet(Vec<(u64, u64)>);

impl IntervalSet {
    /// The most disjoint spans kept; more fragmentation than this is refused as abuse.
    pub const MAX_FRAGMENTS: usize = 2_000;

    /// Adds `[start, end)`, merging with overlapping or touching spans.
    pub fn insert(&mut self, start: u64, end: u64) {
        if end <= start {
            return;
        }
        let spans = &mut self.0;
        // First span whose end reaches `start`; everything before stays as is.
        let first = spans.partition_point(|&(_, e)| e < start);
        // First span starting after `end`; everything from there on stays as is.
        let last = spans.partition_point(|&(s, _)| s <= end);
        if first == last {
            spans.insert(first, (start, end));
        } else {
            let merged = (start.min(spans[first].0), end.max(spans[last - 1].1));
            spans.splice(first..last, [merged]);
        }
    }

    /// Total distinct milliseconds covered.
    pub fn covered_ms(&self) -> u64 {
        self.0.iter().map(|&(s, e)| e - s).sum()
    }

    /// The spans, sorted and disjoint.
    pub fn spans(&self) -> &[(u64, u64)] {
        &self.0
    }

    /// Number of disjoint spans.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when nothing was watched.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Playback reported over some time: all of it, and the part that replayed what had been
/// watched before (watch time and replays, A1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchTime {
    /// Playback reported, replays included, in milliseconds.
    pub watch_ms: u64,
    /// The part of it that covered spans watched before, in milliseconds.
    pub replay_ms: u64,
}

impl WatchTime {
    /// Adds another amount.
    pub fn add(&mut self, other: WatchTime) {
        self.watch_ms = self.watch_ms.saturating_add(other.watch_ms);
        self.replay_ms = self.replay_ms.saturating_add(other.replay_ms);
    }

    /// True when no playback is counted.
    pub fn is_zero(&self) -> bool {
        self.watch_ms == 0
    }
}

/// What a learner has watched of one video lesson.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoProgress {
    /// Distinct spans watched, clamped to the video's duration.
    pub watched: IntervalSet,
    /// All playback reported, replays included (for engagement analytics).
    pub watch_time_ms: u64,
    /// Where the learner stopped last: the end of the latest reported span.
    pub resume_position_ms: u64,
    /// Heartbeats received.
    pub heartbeats: u32,
}

impl VideoProgress {
    /// Records one heartbeat's spans against a video; spans are clamped to its length.
    /// Returns the playback the heartbeat added.
    pub fn record(&mut self, video: &Video, intervals: &[WatchInterval]) -> Result<WatchTime> {
        if intervals.len() > WatchInterval::MAX_PER_HEARTBEAT {
            return Err(Error::invalid(
                "intervals",
                "too_many",
                format!("at most {} intervals per heartbeat", WatchInterval::MAX_PER_HEARTBEAT),
            ));
        }
        let duration = video.duration_ms();
        let mut next = self.clone();
        for interval in intervals {
            let start = interval.start_ms.min(duration);
            let end = interval.end_ms.min(duration);
            next.watched.insert(start, end);
            next.watch_time_ms = next.watch_time_ms.saturating_add(end - start);
            next.resume_position_ms = end;
        }
        if next.watched.len() > IntervalSet::MAX_FRAGMENTS {
            return Err(Error::invalid(
                "intervals",
                "too_fragmented",
                "watched spans are too fragmented",
            ));
        }
        next.heartbeats = next.heartbeats.saturating_add(1);
        let added = WatchTime {
            watch_ms: next.watch_time_ms - self.watch_time_ms,
            replay_ms: next.replay_ms().saturating_sub(self.replay_ms()),
        };
        *self = next;
        Ok(added)
    }

    /// Milliseconds watched more than once.
    pub fn replay_ms(&self) -> u64 {
        self.watch_time_ms.saturating_sub(self.watched.covered_ms())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(spans: &[(u64, u64)]) -> IntervalSet {
        let mut s = IntervalSet::default();
        for &(a, b) in spans {
            s.insert(a, b);
        }
        s
    }

    #[test]
    fn overlapping_touching_and_unordered_spans_merge() {
        assert_eq!(set(&[(10, 20), (0, 5), (5, 10)]).spans(), &[(0, 20)]);
        assert_eq!(set(&[(0, 10), (30, 40), (5, 35)]).spans(), &[(0, 40)]);
        assert_eq!(set(&[(30, 40), (0, 10)]).spans(), &[(0, 10), (30, 40)]);
        assert_eq!(set(&[(0, 100), (10, 20)]).covered_ms(), 100);
    }

    #[test]
    fn intervals_are_validated() {
        assert!(WatchInterval::from_seconds(-1.0, 2.0).is_err());
        assert!(WatchInterval::from_seconds(5.0, 2.0).is_err());
        assert!(WatchInterval::from_seconds(2.0, 2.0).is_err());
        assert!(WatchInterval::from_seconds(f64::NAN, 2.0).is_err());
        assert!(WatchInterval::from_seconds(0.0, f64::INFINITY).is_err());
        let iv = WatchInterval::from_seconds(1.5, 2.25).unwrap();
        assert_eq!((iv.start_ms(), iv.end_ms()), (1500, 2250));
    }

    #[test]
    fn seeking_to_the_end_does_not_complete() {
        let video = Video::new("dQw4w9WgXcQ", 100, None).unwrap();
        let mut p = VideoProgress::default();
        p.record(&video, &[WatchInterval::from_seconds(95.0, 500.0).unwrap()])
            .unwrap();
        assert_eq!(p.watched.covered_ms(), 5_000);
        assert!(!video.is_complete(p.watched.covered_ms()));
        p.record(&video, &[WatchInterval::from_seconds(0.0, 85.0).unwrap()])
            .unwrap();
        assert!(video.is_complete(p.watched.covered_ms()));
        assert!(video
            .embed_url()
            .ends_with("controls=0&disablekb=1&modestbranding=1&rel=0"));
    }

    #[test]
    fn a_heartbeat_tells_its_playback_and_replays() {
        let video = Video::new("dQw4w9WgXcQ", 100, None).unwrap();
        let mut p = VideoProgress::default();
        let span = |a, b| WatchInterval::from_seconds(a, b).unwrap();
        let first = p.record(&video, &[span(0.0, 30.0)]).unwrap();
        assert_eq!(
            first,
            WatchTime {
                watch_ms: 30_000,
                replay_ms: 0
            }
        );
        // 20 s again (10–30) and 10 s new (30–40); past the end is clamped to 100 s.
        let second = p.record(&video, &[span(10.0, 40.0), span(90.0, 130.0)]).unwrap();
        assert_eq!(
            second,
            WatchTime {
                watch_ms: 40_000,
                replay_ms: 20_000
            }
        );
        assert_eq!(p.replay_ms(), 20_000);
    }
}
