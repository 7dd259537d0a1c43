"""Pledges (承诺践诺): the pledge lifecycle, fulfilment reports and public supervision."""
