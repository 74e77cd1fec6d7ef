"""Time to render a certificate PDF after the first (fonts loaded): python bench/certificates.py [rounds]."""

from __future__ import annotations

import statistics
import sys
import time

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))

from integrations.tamin.certificates import render_certificate  # noqa: E402

PENSION = {"first_name": "محمدرضا", "last_name": "حسین‌زاده", "national_code": "0012345678", "kind": "retirement",
           "status": "active", "pension_number": "123456789", "monthly_amount": 185_432_000,
           "last_payment_date": "1405-08-25", "last_payment_amount": 185_432_000, "issued_on": "1405-08-27",
           "verification_code": "TMN-7K4Q-92XF", "verify_url": "https://verify.tamin.ir/c/TMN-7K4Q-92XF"}
INSURANCE = {"first_name": "زهرا", "last_name": "کریمی", "national_code": "1234567890", "insured_now": True,
             "insurance_kind": "compulsory", "workshop_name": "شرکت صنایع غذایی نمونه پارس", "workshop_code": "5551234",
             "insured_since": "1398-01-15", "last_insured_until": "1405-07-30", "contribution_days": 3245,
             "insurance_number": "0987654321", "issued_on": "1405-08-27", "verification_code": "TMN-3J8D-51PW",
             "verify_url": "https://verify.tamin.ir/c/TMN-3J8D-51PW"}


def main(rounds: int = 20) -> None:
    """Render both kinds ``rounds`` times each and print the median and p90 in milliseconds."""
    start = time.perf_counter()
    render_certificate("pension", PENSION)
    first = time.perf_counter() - start
    timings = []
    for _ in range(rounds):
        for kind, data in (("pension", PENSION), ("insurance", INSURANCE)):
            start = time.perf_counter()
            render_certificate(kind, data)
            timings.append(time.perf_counter() - start)
    timings.sort()
    print(f"first {first * 1000:.0f} ms; then median {statistics.median(timings) * 1000:.0f} ms, "
          f"p90 {timings[int(len(timings) * 0.9)] * 1000:.0f} ms over {len(timings)} renders")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
