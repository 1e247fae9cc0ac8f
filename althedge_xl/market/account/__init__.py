"""The user's own account, read-only, through ccxt with a read-only API key.

=================  ======================================================================================
``keys``           the key: environment variables, else the operating system's keyring; never printed
``faults``         one line per fault (exchange, cause, fix) and its exit code
``client``         the signed ccxt client (same transport, deadline and base-URL override as the public one)
``permissions``    refuses a key that can trade or withdraw (apiRestrictions, query-api, account/config)
``balances``       spot wallet (imported), futures wallets (collateral: USDⓈ-M, COIN-M), funding wallet (listed)
``positions``      the USDT and COIN-M futures positions (BTC's, and the others that share their cross wallet)
``hedge_choice``   which BTC short is the hedge (the largest by USD notional), whose fee and funding are read
``fees``           the account's taker and maker fee rates on the hedge contract (BTCUSDT, or COIN-M BTCUSD)
``brackets``       Binance's brackets of BTCUSDT for this account (the endpoint needs a key)
``funding_income`` the hedge contract's funding paid and received over 90 days (none for a dated future)
``records``        the records above
``snapshot``       :func:`fetch_account`: the key's rights first, then each part
=================  ======================================================================================
"""
