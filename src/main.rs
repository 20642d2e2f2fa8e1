fn main() -> std::process::ExitCode {
    orion_lint::cli::main()
}
