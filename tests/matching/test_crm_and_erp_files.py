"""The same companies in a CRM export and an ERP export meet in one golden record each."""

import pytest
from django.core.management import call_command

from matching.models import MatchCandidate
from mdm.models import Customer

pytestmark = pytest.mark.django_db

CRM = """source_id,name,country,city,postal_code,address_line1,phone,website
001A,Müller Consulting GmbH,Deutschland,München,80331,Marienplatz 8,089 1234567,https://www.mueller-consulting.de
001B,Globex Ltd.,United Kingdom,London,EC1A 1BB,12 High St,020 7946 0958,globex.co.uk
001C,Initech Partners LLC,USA,Austin,73301,500 Congress Ave,(512) 555-0100,http://initech.com/about
001D,Van der Berg Advisory B.V.,Holland,Amsterdam,1012 AB,Damrak 1,020 555 1234,vdberg.nl
001E,Soylent Foods Inc.,USA,Chicago,60601,1 Wacker Dr,312-555-0199,soylent.com
001F,Acme Strategy Group,USA,Boston,02108,1 Beacon Street,617 555 0100,acmestrategy.com
"""
ERP = """source_id,name,country,city,postal_code,address_line1,phone,tax_id,currency
N1,MUELLER CONSULTING,DE,Muenchen,80331,Marienplatz 8,+49 89 1234567,DE123456789,EUR
N2,Globex Limited,GB,London,EC1A 1BB,12 High Street,+44 20 7946 0958,GB111222333,GBP
N3,Initech Partners,US,Austin,73301,500 Congress Avenue,+1 512 555 0100,12-3456789,USD
N4,Van der Berg Advisory,NL,Amsterdam,1012 AB,Damrak 1,+31 20 555 1234,NL001234567B01,EUR
N5,Soylent Foods Incorporated,US,Chicago,60601,1 Wacker Drive,+1 312 555 0199,36-1234567,USD
N6,Acme Strategy Partners,US,Denver,80202,1700 Lincoln St,+1 303 555 0111,84-7654321,USD
"""


def test_two_files_of_the_same_companies_give_one_golden_record_per_company(tmp_path):
    (tmp_path / "crm.csv").write_text(CRM)
    (tmp_path / "erp.csv").write_text(ERP)
    call_command("import_records", str(tmp_path / "erp.csv"), system="netsuite", domain="customer", verbosity=0)
    call_command("import_records", str(tmp_path / "crm.csv"), system="salesforce", domain="customer", verbosity=0)
    golden = {c.name: c for c in Customer.objects.all()}
    # Five firms appear in both files and meet; "Acme Strategy Group" in Boston and "Acme Strategy
    # Partners" in Denver are two firms that share a brand.
    assert len(golden) == 7
    assert golden["MUELLER CONSULTING"].tax_id == "123456789"  # from the ERP, the only side with tax ids
    assert golden["MUELLER CONSULTING"].phone == "+49891234567"
    # Nothing certain goes to review; anything that does says why, attribute by attribute.
    for candidate in MatchCandidate.objects.all():
        assert {"Acme Strategy Group", "Acme Strategy Partners"} == {
            Customer.objects.get(pk=candidate.golden_id_a).name, Customer.objects.get(pk=candidate.golden_id_b).name}
        assert candidate.contributions["name"] and candidate.contributions["city"] < 0
