//! A loopback HTTP server for the fixture pages, with a log of every request line so
//! tests can assert what the WebView actually fetched.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread;

pub struct Server {
    pub port: u16,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Server {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().unwrap().port();
        let requests: Arc<Mutex<Vec<String>>> = Arc::default();
        let log = Arc::clone(&requests);
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/merchant");
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let log = Arc::clone(&log);
                let root = root.clone();
                thread::spawn(move || serve(stream, &root, &log));
            }
        });
        Self { port, requests }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Request targets (`/done?x=1`) seen so far.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

fn serve(stream: TcpStream, root: &std::path::Path, log: &Mutex<Vec<String>>) {
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    // Drain the headers, then a form post's body (closing with unread bytes can
    // reset the connection before the browser reads the response).
    let mut line = String::new();
    let mut body_length = 0usize;
    while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                body_length = value.trim().parse().unwrap_or(0);
            }
        }
        line.clear();
    }
    let mut body = vec![0u8; body_length.min(1 << 20)];
    let _ = std::io::Read::read_exact(&mut reader, &mut body);
    let target = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_owned();
    log.lock().unwrap().push(target.clone());
    let path = target.split('?').next().unwrap_or("/");
    let mut stream = stream;
    let response = match path {
        "/redirect-kakao" => "HTTP/1.1 302 Found\r\nLocation: kakaotalk://kakaopay/pg?url=https://online-pay.kakao.com/e2e\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".as_bytes().to_vec(),
        _ => {
            let name = path.trim_start_matches('/');
            let name = if name.is_empty() { "index.html" } else { name };
            match std::fs::read(root.join(name)) {
                Ok(body) if !name.contains("..") => {
                    let mut head = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    head.extend(body);
                    head
                }
                _ => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
            }
        }
    };
    let _ = stream.write_all(&response);
}
