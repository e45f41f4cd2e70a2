//! `careledger demo`: the demo clinic plus generated patients and records, for demos and
//! benchmarks.

use clap::Args;

use crate::cli::args::DataArgs;
use crate::cli::demo_data;

/// `careledger demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Generated patients to add.
    #[arg(long, default_value_t = 100)]
    pub patients: u64,
    /// Records per generated patient.
    #[arg(long, default_value_t = 10)]
    pub records_per_patient: u64,
    #[command(flatten)]
    pub data: DataArgs,
}

/// Loads the demo clinic and generates patients and records.
pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let settings = args.data.settings();
    crate::datadir::prepare(&settings.data_dir)?;
    let db = crate::db::Db::connect(settings.database_url.expose(), 2).await?;
    let bar = crate::cli::args::progress_bar("records");
    let progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let started = std::time::Instant::now();
    let vault = crate::vault::Vault::open(&settings.data_dir, settings.master_key.as_ref(), &db, true).await?;
    let signer = crate::keys::LedgerKeys::load(&settings.data_dir)?;
    let drugs = crate::drugs::DrugBase::load(settings.drug_data.as_deref()).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let clock = crate::clock::Clock::system();
    let clinic = demo_data::Clinic { db: &db, vault: &vault, clock: &clock, signer: &signer, drugs: &drugs };
    let made =
        demo_data::generate(clinic, args.patients, args.records_per_patient, &progress).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "generated {} patients and {} records in {secs:.1}s ({:.0} records/s); password of every generated patient: {}",
        made.patients,
        made.records,
        made.records as f64 / secs.max(0.001),
        demo_data::DEMO_PASSWORD
    );
    Ok(())
}
