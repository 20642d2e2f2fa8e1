//! A guard on the client's stream in front of lsp-server's framing: lsp-server allocates a
//! frame's `Content-Length` before reading it, and reads a header line to its end, so a hostile
//! `Content-Length: 99999999999` or an endless header line would take the machine's memory. This
//! reads the headers as they pass and refuses such a frame before lsp-server sees its body.

use std::io::{self, BufRead, Read};

/// The longest header line read: LSP's headers are `Content-Length` and `Content-Type`.
const MAX_HEADER_LINE: usize = 1024;

#[derive(Clone, Copy)]
enum Part {
    /// Header lines, up to the empty one.
    Headers,
    /// The body, with this many bytes left.
    Body(usize),
}

/// The client's stream, refusing a frame larger than `cap` bytes or a header line longer than
/// [`MAX_HEADER_LINE`].
pub(crate) struct CappedFrames<R> {
    inner: R,
    cap: usize,
    part: Part,
    /// The header line read so far.
    line: Vec<u8>,
    /// The `Content-Length` of the frame whose headers are being read.
    length: Option<usize>,
    refused: Option<String>,
}

impl<R: BufRead> CappedFrames<R> {
    pub(crate) fn new(inner: R, cap: usize) -> Self {
        CappedFrames {
            inner,
            cap,
            part: Part::Headers,
            line: Vec::new(),
            length: None,
            refused: None,
        }
    }

    /// A header line has been read whole.
    fn end_of_line(&mut self) {
        let line = String::from_utf8_lossy(&self.line);
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            self.part = match self.length.take() {
                Some(length) if length > 0 => Part::Body(length),
                _ => Part::Headers,
            };
        } else if let Some((name, value)) = line.split_once(':')
            && name.trim().eq_ignore_ascii_case("Content-Length")
        {
            // A value that is no number is lsp-server's to refuse.
            if let Ok(length) = value.trim().parse::<u128>() {
                if length > self.cap as u128 {
                    self.refused = Some(format!(
                        "a message of {length} bytes, more than the {} bytes orion-lint reads in one message",
                        self.cap
                    ));
                }
                self.length = usize::try_from(length).ok();
            }
        }
        self.line.clear();
    }
}

impl<R: BufRead> BufRead for CappedFrames<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if let Some(why) = &self.refused {
            return Err(io::Error::new(io::ErrorKind::InvalidData, why.clone()));
        }
        let part = self.part;
        let buf = self.inner.fill_buf()?;
        let end = match part {
            Part::Body(left) => left.min(buf.len()),
            // One line at a time, so that each is seen before the next is handed on.
            Part::Headers => buf
                .iter()
                .position(|&b| b == b'\n')
                .map_or(buf.len(), |i| i + 1),
        };
        Ok(&buf[..end])
    }

    fn consume(&mut self, amount: usize) {
        match self.part {
            Part::Body(left) => {
                self.part = match left.saturating_sub(amount) {
                    0 => Part::Headers,
                    left => Part::Body(left),
                };
            }
            Part::Headers => {
                // The bytes consumed are still in the inner buffer: `fill_buf` handed them out.
                if let Ok(buf) = self.inner.fill_buf() {
                    self.line.extend_from_slice(&buf[..amount.min(buf.len())]);
                }
                if self.line.ends_with(b"\n") {
                    self.end_of_line();
                } else if self.line.len() > MAX_HEADER_LINE {
                    self.refused = Some(format!(
                        "a header line longer than {MAX_HEADER_LINE} bytes: is this an LSP client?"
                    ));
                }
            }
        }
        self.inner.consume(amount);
    }
}

impl<R: BufRead> Read for CappedFrames<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_server::Message;

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[test]
    fn frames_within_the_cap_pass_whole() {
        let a = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let b = r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#;
        let input = format!("{}{}", frame(a), frame(b));
        // A one-byte inner buffer: lines and bodies are seen across many reads.
        let mut stream = CappedFrames::new(io::BufReader::with_capacity(1, input.as_bytes()), 100);
        let Ok(Some(Message::Notification(n))) = Message::read(&mut stream) else {
            panic!("the first frame");
        };
        assert_eq!(n.method, "initialized");
        let Ok(Some(Message::Request(r))) = Message::read(&mut stream) else {
            panic!("the second frame");
        };
        assert_eq!(r.method, "shutdown");
        assert!(matches!(Message::read(&mut stream), Ok(None)));
    }

    #[test]
    fn a_frame_over_the_cap_is_refused_before_its_body() {
        let input = "Content-Length: 99999999999\r\n\r\n{}";
        let mut stream = CappedFrames::new(input.as_bytes(), 100);
        let error = Message::read(&mut stream).unwrap_err();
        assert!(
            error.to_string().contains("more than the 100 bytes"),
            "{error}"
        );
        // Beyond a usize, lsp-server refuses the number itself.
        let input = "Content-Length: 99999999999999999999999\r\n\r\n{}";
        assert!(Message::read(&mut CappedFrames::new(input.as_bytes(), 100)).is_err());
        let long_line = "X".repeat(10 * MAX_HEADER_LINE);
        let mut stream = CappedFrames::new(long_line.as_bytes(), 100);
        let error = Message::read(&mut stream).unwrap_err();
        assert!(error.to_string().contains("header line longer"), "{error}");
    }
}
