//! Legacy encodings through encoding_rs (feature `encodings`): exports in Shift_JIS,
//! Windows-1250 and KOI8-R are sniffed and read back to the text they were made from, chunk
//! by chunk; undecodable bytes name their row, line, column and byte; names parse and
//! serialise; the pipeline reports the encoding it read.
#![cfg(feature = "encodings")]

use churn_core::pipeline::{
    ChunkReader, Encoding, Pipeline, PipelineOptions, ReadOptions, RunSummary, Sinks,
};
use churn_core::Error;

/// `rows` data rows of `id,name,city,plan` made from the given words, so that the detector
/// sees the kind of text a real export of that language holds.
fn export(names: &[&str], cities: &[&str], rows: usize, delimiter: char) -> String {
    let mut s = format!("id{delimiter}name{delimiter}city{delimiter}plan\n");
    for i in 0..rows {
        let name = names[i % names.len()];
        let city = cities[(i / names.len()) % cities.len()];
        s.push_str(&format!(
            "{i}{delimiter}{name}{delimiter}{city}{delimiter}plan {}\n",
            i % 3
        ));
    }
    s
}

fn encode(text: &str, encoding: &'static encoding_rs::Encoding) -> Vec<u8> {
    let (bytes, used, unmappable) = encoding.encode(text);
    assert!(
        !unmappable && used == encoding,
        "the test text fits {}",
        encoding.name()
    );
    bytes.into_owned()
}

/// Every row read back through chunks of `chunk_rows`, with the sniffed encoding.
fn read_all(bytes: &[u8], options: ReadOptions) -> (Encoding, u8, Vec<Vec<String>>, u64) {
    let mut r = ChunkReader::new(bytes, &options).expect("reader");
    let mut rows = vec![r.headers().to_vec()];
    let mut last = 0;
    while let Some(c) = r.next_chunk().expect("chunk") {
        assert!(c.bytes_read > last, "progress moves forward");
        last = c.bytes_read;
        rows.extend(c.table.rows);
    }
    (r.sniffed().encoding, r.sniffed().delimiter, rows, last)
}

fn expected_rows(text: &str, delimiter: char) -> Vec<Vec<String>> {
    text.lines()
        .map(|l| l.split(delimiter).map(str::to_string).collect())
        .collect()
}

const JAPANESE_NAMES: &[&str] = &[
    "山田太郎",
    "佐藤花子",
    "鈴木一郎",
    "高橋美咲",
    "田中健太",
    "ポイント会員",
    "伊藤さくら",
    "渡辺翔",
];
const JAPANESE_CITIES: &[&str] = &["東京都", "大阪府", "京都市", "横浜市", "札幌市"];

#[test]
fn shift_jis_is_sniffed_and_read() {
    // `|` as delimiter: `ポ` is 0x83 0x7C in Shift_JIS, a trail byte equal to `|`, so the
    // text must be decoded before it is split.
    for delimiter in [',', '|'] {
        let text = export(JAPANESE_NAMES, JAPANESE_CITIES, 400, delimiter);
        let bytes = encode(&text, encoding_rs::SHIFT_JIS);
        assert!(bytes.windows(2).any(|w| w == [0x83, 0x7C]));
        let (encoding, d, rows, read) = read_all(
            &bytes,
            ReadOptions {
                chunk_rows: 64,
                ..ReadOptions::default()
            },
        );
        assert_eq!(encoding, Encoding::Other(encoding_rs::SHIFT_JIS));
        assert_eq!(d as char, delimiter);
        assert_eq!(rows, expected_rows(&text, delimiter));
        assert_eq!(read, bytes.len() as u64, "progress ends at the file's size");
    }
}

#[test]
fn windows_1250_is_sniffed_and_read() {
    let names = [
        "Paweł Żółkiewski",
        "Zofia Wąsowicz",
        "Jiří Dvořák",
        "Květa Šťastná",
        "Łucja Góźdź",
        "Tomáš Růžička",
        "Grzegorz Brzęczyszczykiewicz",
    ];
    let cities = ["Łódź", "Kraków", "Gdańsk", "Brno", "Plzeň", "Poznań"];
    let text = export(&names, &cities, 300, ';');
    let bytes = encode(&text, encoding_rs::WINDOWS_1250);
    let (encoding, d, rows, _) = read_all(&bytes, ReadOptions::default());
    assert_eq!(encoding.as_str(), "windows-1250");
    assert_eq!(d, b';');
    assert_eq!(rows, expected_rows(&text, ';'));
}

#[test]
fn koi8_r_is_sniffed_and_read_with_line_numbers() {
    let names = [
        "Иван Петров",
        "Мария Смирнова",
        "Алексей Кузнецов",
        "Ольга Попова",
        "Дмитрий Соколов",
        "Наталья Лебедева",
    ];
    let cities = ["Москва", "Санкт-Петербург", "Новосибирск", "Екатеринбург"];
    let mut text = export(&names, &cities, 300, ',');
    // A quoted field over two lines: the next record's line number counts both.
    text.push_str("300,\"Многострочный\nадрес\",Казань,plan 0\n301,Юрий,Самара,plan 1\n");
    let bytes = encode(&text, encoding_rs::KOI8_R);
    let mut r = ChunkReader::new(&bytes[..], &ReadOptions::default()).expect("reader");
    // chardetng answers KOI8-U for KOI8-R text: KOI8-U is KOI8-R plus Ukrainian letters in
    // box-drawing positions, so the Russian text decodes the same.
    assert_eq!(r.sniffed().encoding, Encoding::Other(encoding_rs::KOI8_U));
    let c = r.next_chunk().expect("chunk").expect("rows");
    assert_eq!(c.table.cell(0, 1), Some("Иван Петров"));
    assert_eq!(c.table.cell(300, 1), Some("Многострочный\nадрес"));
    assert_eq!(c.lines[300..], [302, 304]);
}

#[test]
fn characters_cut_between_decoder_steps_are_whole() {
    // ~300 KB of two-byte characters: the decoder's 16 KiB steps cut some of them.
    let text = export(JAPANESE_NAMES, JAPANESE_CITIES, 12_000, ',');
    for encoding in [
        encoding_rs::SHIFT_JIS,
        encoding_rs::EUC_JP,
        encoding_rs::GB18030,
    ] {
        let bytes = encode(&text, encoding);
        let options = ReadOptions {
            encoding: Encoding::from(encoding),
            chunk_rows: 1_000,
            ..ReadOptions::default()
        };
        let (_, _, rows, read) = read_all(&bytes, options);
        assert_eq!(rows, expected_rows(&text, ','), "{}", encoding.name());
        assert_eq!(read, bytes.len() as u64);
    }
}

#[test]
fn undecodable_bytes_name_row_line_column_and_byte() {
    let text = export(JAPANESE_NAMES, JAPANESE_CITIES, 50, ',');
    let mut bytes = encode(&text, encoding_rs::SHIFT_JIS);
    // 0xFF is never Shift_JIS: put it in row 40's city (the third field).
    let line = text.lines().nth(40).expect("row 40");
    let start = encode(
        &text[..text.find(line).expect("line")],
        encoding_rs::SHIFT_JIS,
    )
    .len();
    let city_at = start
        + encode(
            &line[..line.rfind(',').expect("plan")],
            encoding_rs::SHIFT_JIS,
        )
        .len()
        - 2;
    bytes[city_at] = 0xFF;
    let options = ReadOptions {
        encoding: Encoding::parse("shift_jis").expect("a label"),
        ..ReadOptions::default()
    };
    let mut r = ChunkReader::new(&bytes[..], &options).expect("header reads");
    let e = r.next_chunk().expect_err("row 40 is refused");
    let msg = e.to_string();
    match e {
        Error::Encoding {
            ref encoding,
            row,
            line,
            byte,
            ref column,
            ..
        } => {
            assert_eq!(encoding, "Shift_JIS");
            assert_eq!((row, line, byte), (40, 41, city_at as u64));
            assert_eq!(column, "3 ('city')");
        }
        other => panic!("{other}"),
    }
    assert!(msg.contains("0xFF"), "{msg}");
}

#[test]
fn names_parse_and_serialise() {
    for (name, want) in [
        ("shift_jis", "Shift_JIS"),
        ("SJIS", "Shift_JIS"),
        ("cp1250", "windows-1250"),
        ("iso-8859-2", "ISO-8859-2"),
        ("iso_8859_2", "ISO-8859-2"),
        ("koi8-r", "KOI8-R"),
        ("gb18030", "gb18030"),
        ("euc-kr", "EUC-KR"),
        ("utf-16le", "UTF-16LE"),
        // Today's names keep their variants.
        ("latin-1", "windows-1252"),
        ("ascii", "windows-1252"),
        ("utf8", "utf-8"),
        ("utf-16", "utf-16"),
    ] {
        let e = Encoding::parse(name).unwrap_or_else(|| panic!("{name}"));
        assert_eq!(e.as_str(), want, "{name}");
        let json = serde_json::to_string(&e).expect("serialise");
        assert_eq!(json, format!("\"{want}\""));
        assert_eq!(
            serde_json::from_str::<Encoding>(&json).expect("read back"),
            e
        );
    }
    // "replacement" labels would turn a whole file into one U+FFFD.
    for name in ["iso-2022-kr", "replacement", "ebcdic", ""] {
        assert_eq!(Encoding::parse(name), None, "{name}");
    }
    assert!(serde_json::from_str::<Encoding>("\"ebcdic\"").is_err());
}

#[test]
fn the_pipeline_reports_the_encoding_it_read() {
    let bundle = churn_core::Bundle::load(format!(
        "{}/../examples/demo/telco_bundle.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("demo bundle");
    let mut text = "customerID,tenure,Contract,MonthlyCharges,Notes\n".to_string();
    for i in 0..200 {
        let name = JAPANESE_NAMES[i % JAPANESE_NAMES.len()];
        text.push_str(&format!(
            "{name}-{i},{},Two year,{},{name}様\n",
            i % 60,
            20 + i % 80
        ));
    }
    let bytes = encode(&text, encoding_rs::SHIFT_JIS);
    let mut csv = Vec::new();
    let summary = Pipeline::new(&bundle, PipelineOptions::default())
        .expect("pipeline")
        .score(
            &bytes[..],
            Sinks {
                scored_csv: Some(&mut csv),
                ..Sinks::default()
            },
        )
        .expect("score");
    assert_eq!(summary.encoding, Encoding::Other(encoding_rs::SHIFT_JIS));
    assert_eq!(summary.rows_scored, 200);
    assert!(summary.to_text().contains("Shift_JIS"));
    let out = String::from_utf8(csv).expect("UTF-8 output");
    assert!(out.contains("山田太郎-0"), "ids are decoded in the output");
    let json = serde_json::to_string(&summary).expect("summary JSON");
    let back: RunSummary = serde_json::from_str(&json).expect("summary reads back");
    assert_eq!(back.encoding, summary.encoding);
}
