from erp_console.cli import main

if __name__ == "__main__":
    main()
