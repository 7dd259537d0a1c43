"""`python -m web`: the web app as the supervisor starts it."""

from web.bootstrap import main

if __name__ == "__main__":
    main()
