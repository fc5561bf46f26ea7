"""The audience's Q&A pages: join with a code, ask, vote, the live list and the big screen."""
