//! A private CA and a server certificate it signed, for `kiln serve --tls-cert` and
//! `kiln --ca-cert`.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};

/// PEM files of a test CA and of a certificate for `127.0.0.1` and `localhost` it signed.
pub struct Pki {
    /// The CA's certificate: what `--ca-cert` is given.
    pub ca: PathBuf,
    /// The server's certificate.
    pub cert: PathBuf,
    /// The server's private key.
    pub key: PathBuf,
}

impl Pki {
    /// Makes the CA and server certificate in `dir`.
    pub fn make(dir: &Path) -> Pki {
        let ca_key = KeyPair::generate().expect("test PKI");
        let mut ca = CertificateParams::new(Vec::<String>::new()).expect("test PKI");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name.push(DnType::CommonName, "Kiln test CA");
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
        let ca_cert = ca.self_signed(&ca_key).expect("test PKI");
        let issuer = Issuer::new(ca, ca_key);

        let key = KeyPair::generate().expect("test PKI");
        let mut leaf =
            CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).expect("test PKI");
        leaf.distinguished_name.push(DnType::CommonName, "kiln registry");
        leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let cert = leaf.signed_by(&key, &issuer).expect("test PKI");

        let pki = Pki { ca: dir.join("ca.pem"), cert: dir.join("server.pem"), key: dir.join("server.key") };
        std::fs::write(&pki.ca, ca_cert.pem()).expect("test PKI");
        std::fs::write(&pki.cert, cert.pem()).expect("test PKI");
        std::fs::write(&pki.key, key.serialize_pem()).expect("test PKI");
        pki
    }

    /// A client that trusts this CA.
    pub fn client(&self) -> reqwest::blocking::Client {
        let ca = reqwest::Certificate::from_pem(&std::fs::read(&self.ca).expect("test PKI")).expect("test PKI");
        reqwest::blocking::Client::builder().add_root_certificate(ca).build().expect("test PKI")
    }
}
