"""Countries, cities (with aliases / exonyms), postcodes, phone plans, streets.

All vocabulary here was written by hand for this generator.

Postcode templates: 'd' = digit, 'L' = letter, 'A' = GB inward-code letter,
anything else literal.
"""

# ---------------------------------------------------------------------------
# Country-name forms as they show up in exports.  (form, weight)
# Only common English, native and ISO2/ISO3 forms are used.
# ---------------------------------------------------------------------------
COUNTRY_FORMS = {
    # cc: (crm forms, erp forms)
    "DE": ([("Germany", 50), ("Deutschland", 22), ("DE", 8), ("GERMANY", 4), ("germany", 2), ("DEU", 2)],
           [("DE", 78), ("DEU", 8), ("Germany", 10), ("Deutschland", 4)]),
    "AT": ([("Austria", 50), ("Österreich", 25), ("AT", 8), ("Oesterreich", 3), ("AUT", 2)],
           [("AT", 80), ("AUT", 8), ("Austria", 8), ("Österreich", 4)]),
    "CH": ([("Switzerland", 50), ("Schweiz", 20), ("Suisse", 8), ("CH", 10), ("CHE", 2)],
           [("CH", 80), ("CHE", 8), ("Switzerland", 8), ("Schweiz", 4)]),
    "FR": ([("France", 80), ("FR", 12), ("FRANCE", 5), ("FRA", 3)],
           [("FR", 82), ("FRA", 8), ("France", 10)]),
    "BE": ([("Belgium", 50), ("Belgique", 18), ("België", 10), ("BE", 10), ("Belgie", 2), ("BEL", 2)],
           [("BE", 82), ("BEL", 6), ("Belgium", 8), ("Belgique", 4)]),
    "NL": ([("Netherlands", 35), ("The Netherlands", 22), ("Holland", 10), ("Nederland", 12), ("NL", 10),
            ("NLD", 2)],
           [("NL", 80), ("NLD", 8), ("Netherlands", 10), ("Nederland", 2)]),
    "GB": ([("United Kingdom", 45), ("UK", 30), ("GB", 8), ("Great Britain", 5), ("U.K.", 2), ("GBR", 2)],
           [("GB", 80), ("GBR", 6), ("United Kingdom", 10), ("UK", 4)]),
    "IE": ([("Ireland", 80), ("IE", 12), ("IRL", 3), ("Éire", 2)],
           [("IE", 85), ("IRL", 7), ("Ireland", 8)]),
    "US": ([("United States", 40), ("USA", 30), ("US", 14), ("United States of America", 6), ("U.S.A.", 2),
            ("U.S.", 2)],
           [("US", 82), ("USA", 10), ("United States", 8)]),
    "CA": ([("Canada", 85), ("CA", 10), ("CAN", 3)],
           [("CA", 85), ("CAN", 7), ("Canada", 8)]),
    "IN": ([("India", 85), ("IN", 10), ("IND", 3)],
           [("IN", 85), ("IND", 7), ("India", 8)]),
    "AU": ([("Australia", 82), ("AU", 12), ("AUS", 4)],
           [("AU", 85), ("AUS", 7), ("Australia", 8)]),
    "ES": ([("Spain", 50), ("España", 25), ("Espana", 5), ("ES", 10), ("ESP", 2)],
           [("ES", 82), ("ESP", 8), ("Spain", 8), ("España", 2)]),
    "IT": ([("Italy", 55), ("Italia", 25), ("IT", 12), ("ITA", 2)],
           [("IT", 82), ("ITA", 8), ("Italy", 8), ("Italia", 2)]),
    "PT": ([("Portugal", 85), ("PT", 10), ("PRT", 3)],
           [("PT", 85), ("PRT", 7), ("Portugal", 8)]),
    "CZ": ([("Czech Republic", 45), ("Czechia", 25), ("Česká republika", 6), ("CZ", 12), ("CZE", 2)],
           [("CZ", 82), ("CZE", 8), ("Czech Republic", 10)]),
    "DK": ([("Denmark", 60), ("Danmark", 20), ("DK", 12), ("DNK", 2)],
           [("DK", 84), ("DNK", 7), ("Denmark", 9)]),
    "SE": ([("Sweden", 60), ("Sverige", 20), ("SE", 12), ("SWE", 2)],
           [("SE", 84), ("SWE", 7), ("Sweden", 9)]),
}

# How many customers the firm has per country (relative weights).
COUNTRY_WEIGHTS = {
    "DE": 16, "GB": 11, "US": 12, "FR": 9, "NL": 6, "CH": 4, "AT": 3, "BE": 4, "ES": 5, "IT": 5,
    "IN": 7, "AU": 4, "CA": 4, "IE": 2, "PT": 2, "CZ": 2, "DK": 2, "SE": 2,
}

CURRENCY = {
    "DE": "EUR", "AT": "EUR", "CH": "CHF", "FR": "EUR", "BE": "EUR", "NL": "EUR", "GB": "GBP",
    "IE": "EUR", "US": "USD", "CA": "CAD", "IN": "INR", "AU": "AUD", "ES": "EUR", "IT": "EUR",
    "PT": "EUR", "CZ": "CZK", "DK": "DKK", "SE": "SEK",
}

TLD = {
    "DE": "de", "AT": "at", "CH": "ch", "FR": "fr", "BE": "be", "NL": "nl", "GB": "co.uk",
    "IE": "ie", "US": "com", "CA": "ca", "IN": "co.in", "AU": "com.au", "ES": "es", "IT": "it",
    "PT": "pt", "CZ": "cz", "DK": "dk", "SE": "se",
}
GOV_TLD = {"GB": "gov.uk", "US": "gov", "AU": "gov.au", "IN": "gov.in", "IE": "ie", "CA": "ca"}

# Language used for company names / streets.  BE and CH and CA depend on city.
COUNTRY_LANG = {
    "DE": "de", "AT": "de", "CH": "de", "FR": "fr", "BE": "nl", "NL": "nl", "GB": "en", "IE": "en",
    "US": "en", "CA": "en", "IN": "in", "AU": "en", "ES": "es", "IT": "it", "PT": "pt", "CZ": "cs",
    "DK": "da", "SE": "sv",
}

# ---------------------------------------------------------------------------
# Cities.  n = native name, a = aliases (first = usual English exonym if any),
# pc = postcode templates, ph = phone area code (national, without trunk),
# st = (state code, state name) where exports carry a state,
# lang = override of the country language, d = districts (franchise look-alikes)
# w = relative weight inside the country
# ---------------------------------------------------------------------------
def C(n, a=(), pc=(), ph="", st=None, lang=None, d=(), w=1):
    return {"n": n, "a": list(a), "pc": list(pc), "ph": ph, "st": st, "lang": lang, "d": list(d), "w": w}


CITIES = {
    "DE": [
        C("München", ["Munich", "Muenchen", "Munchen"], ["80ddd", "81ddd"], "89", w=5,
          d=["Schwabing", "Pasing", "Bogenhausen", "Sendling"]),
        C("Berlin", [], ["10ddd", "12ddd", "13ddd"], "30", w=6, d=["Mitte", "Charlottenburg", "Kreuzberg", "Spandau"]),
        C("Hamburg", [], ["20ddd", "22ddd"], "40", w=5, d=["Altona", "Eimsbüttel", "Harburg", "Wandsbek"]),
        C("Köln", ["Cologne", "Koeln", "Koln"], ["50ddd", "51ddd"], "221", w=4, d=["Ehrenfeld", "Deutz", "Lindenthal"]),
        C("Frankfurt am Main", ["Frankfurt", "Frankfurt a.M.", "Frankfurt/Main"], ["60ddd", "65ddd"], "69", w=4,
          d=["Sachsenhausen", "Bockenheim", "Höchst"]),
        C("Stuttgart", [], ["70ddd"], "711", w=3, d=["Vaihingen", "Bad Cannstatt", "Feuerbach"]),
        C("Düsseldorf", ["Duesseldorf", "Dusseldorf"], ["40ddd"], "211", w=3, d=["Oberkassel", "Bilk", "Benrath"]),
        C("Nürnberg", ["Nuremberg", "Nuernberg"], ["90ddd"], "911", w=2, d=["Fürth-Süd", "Langwasser"]),
        C("Bremen", [], ["28ddd"], "421", w=2, d=["Vegesack", "Schwachhausen"]),
        C("Hannover", ["Hanover"], ["30ddd"], "511", w=2, d=["Linden", "List"]),
        C("Leipzig", [], ["04ddd"], "341", w=2, d=["Plagwitz", "Gohlis"]),
        C("Dresden", [], ["01ddd"], "351", w=2, d=["Neustadt", "Blasewitz"]),
        C("Mannheim", [], ["68ddd"], "621", w=1),
        C("Essen", [], ["45ddd"], "201", w=2),
        C("Dortmund", [], ["44ddd"], "231", w=1),
        C("Karlsruhe", [], ["76ddd"], "721", w=1),
    ],
    "AT": [
        C("Wien", ["Vienna"], ["10d0", "11d0", "12d0"], "1", w=6, d=["Favoriten", "Döbling", "Landstraße", "Floridsdorf"]),
        C("Graz", [], ["80d0", "80dd"], "316", w=2, d=["Lend", "Puntigam"]),
        C("Linz", [], ["40d0", "40dd"], "732", w=2),
        C("Salzburg", [], ["50d0", "50dd"], "662", w=2),
        C("Innsbruck", [], ["60d0", "60dd"], "512", w=1),
    ],
    "CH": [
        C("Zürich", ["Zurich", "Zuerich"], ["80dd", "805d"], "44", w=5, d=["Oerlikon", "Altstetten", "Enge"]),
        C("Genève", ["Geneva", "Genf", "Geneve"], ["12dd"], "22", lang="fr", w=3, d=["Carouge", "Plainpalais"]),
        C("Basel", ["Bâle", "Basle"], ["40dd"], "61", w=3),
        C("Bern", ["Berne"], ["30dd"], "31", w=2),
        C("Lausanne", [], ["10dd"], "21", lang="fr", w=2),
        C("Luzern", ["Lucerne"], ["60dd"], "41", w=1),
    ],
    "FR": [
        C("Paris", [], ["7500d", "7501d"], "1", w=8, d=["La Défense", "Montparnasse", "Bastille", "Opéra"]),
        C("Lyon", ["Lyons"], ["6900d"], "4", w=3, d=["Part-Dieu", "Vaise", "Gerland"]),
        C("Marseille", ["Marseilles"], ["130dd"], "4", w=2, d=["Joliette", "Prado"]),
        C("Toulouse", [], ["310dd"], "5", w=2),
        C("Lille", [], ["590dd"], "3", w=2),
        C("Nantes", [], ["440dd"], "2", w=1),
        C("Strasbourg", ["Straßburg"], ["670dd"], "3", w=1),
        C("Nice", ["Nizza"], ["060dd"], "4", w=1),
        C("Bordeaux", [], ["330dd"], "5", w=1),
    ],
    "BE": [
        C("Bruxelles", ["Brussels", "Brussel", "Bruxelles-Capitale"], ["10d0", "1dd0"], "2", lang="fr", w=6,
          d=["Ixelles", "Uccle", "Schaerbeek", "Etterbeek"]),
        C("Antwerpen", ["Antwerp", "Anvers"], ["20d0", "2dd0"], "3", w=3, d=["Berchem", "Deurne"]),
        C("Gent", ["Ghent", "Gand"], ["90d0"], "9", w=2),
        C("Liège", ["Liege", "Luik", "Lüttich"], ["40d0"], "4", lang="fr", w=2),
        C("Leuven", ["Louvain"], ["30d0"], "16", w=1),
    ],
    "NL": [
        C("Amsterdam", [], ["10dd LL", "11dd LL"], "20", w=6, d=["Zuidas", "Noord", "Oost", "Sloterdijk"]),
        C("Rotterdam", [], ["30dd LL"], "10", w=4, d=["Kralingen", "Delfshaven"]),
        C("Den Haag", ["The Hague", "'s-Gravenhage", "s-Gravenhage", "Den-Haag"], ["25dd LL"], "70", w=3,
          d=["Scheveningen", "Ypenburg"]),
        C("Utrecht", [], ["35dd LL"], "30", w=3),
        C("Eindhoven", [], ["56dd LL"], "40", w=2),
        C("Groningen", [], ["97dd LL"], "50", w=1),
    ],
    "GB": [
        C("London", [], ["EC1A dAA", "EC2V dAA", "EC3M dAA", "EC4N dAA", "WC1E dAA", "WC2N dAA", "W1F dAA",
                         "W1K dAA", "SW1A dAA", "SE1 dAA", "E14 dAA", "N1 dAA"], "20", w=10,
          d=["Canary Wharf", "Shoreditch", "Croydon", "Hammersmith"]),
        C("Manchester", [], ["M1 dAA", "M2 dAA", "M3 dAA", "M15 dAA", "M50 dAA"], "161", w=3, d=["Salford Quays", "Didsbury"]),
        C("Birmingham", [], ["B1 dAA", "B2 dAA", "B3 dAA", "B15 dAA"], "121", w=3, d=["Edgbaston", "Solihull"]),
        C("Edinburgh", [], ["EH1 dAA", "EH2 dAA", "EH3 dAA", "EH12 dAA"], "131", w=2, d=["Leith"]),
        C("Leeds", [], ["LS1 dAA", "LS2 dAA", "LS11 dAA"], "113", w=2),
        C("Bristol", [], ["BS1 dAA", "BS2 dAA", "BS8 dAA"], "117", w=2),
        C("Glasgow", [], ["G1 dAA", "G2 dAA", "G3 dAA"], "141", w=2),
        C("Cardiff", [], ["CF10 dAA", "CF11 dAA"], "29", w=1),
    ],
    "IE": [
        C("Dublin", ["Baile Átha Cliath"], ["D01 Lddd", "D02 Lddd", "D04 Lddd", "D08 Lddd", "D24 Lddd"], "1", w=6,
          d=["Sandyford", "Ballsbridge", "Tallaght"]),
        C("Cork", ["Corcaigh"], ["T12 Lddd", "T23 Lddd"], "21", w=2),
        C("Galway", [], ["H91 Lddd"], "91", w=1),
        C("Limerick", [], ["V94 Lddd"], "61", w=1),
    ],
    "US": [
        C("New York", ["New York City", "NYC", "New York, NY"], ["100dd", "101dd"], "212", st=("NY", "New York"), w=8,
          d=["Midtown", "Brooklyn", "Queens"]),
        C("Boston", [], ["021dd"], "617", st=("MA", "Massachusetts"), w=3, d=["Back Bay", "Seaport"]),
        C("Chicago", [], ["606dd"], "312", st=("IL", "Illinois"), w=4, d=["Loop", "Lincoln Park"]),
        C("San Francisco", ["SF", "San Fran"], ["941dd"], "415", st=("CA", "California"), w=3, d=["SoMa", "Mission Bay"]),
        C("Austin", [], ["787dd"], "512", st=("TX", "Texas"), w=2),
        C("Seattle", [], ["981dd"], "206", st=("WA", "Washington"), w=2),
        C("Atlanta", [], ["303dd"], "404", st=("GA", "Georgia"), w=2),
        C("Denver", [], ["802dd"], "303", st=("CO", "Colorado"), w=1),
        C("Newark", [], ["071dd"], "973", st=("NJ", "New Jersey"), w=1),
        C("Hartford", [], ["061dd"], "860", st=("CT", "Connecticut"), w=1),
        C("Philadelphia", ["Philly"], ["191dd"], "215", st=("PA", "Pennsylvania"), w=2),
    ],
    "CA": [
        C("Toronto", [], ["M5V dLd", "M4W dLd", "M5H dLd", "M2N dLd"], "416", st=("ON", "Ontario"), w=5,
          d=["Etobicoke", "North York", "Scarborough"]),
        C("Montréal", ["Montreal"], ["H2X dLd", "H3B dLd", "H3A dLd"], "514", st=("QC", "Québec"), lang="fr", w=3),
        C("Vancouver", [], ["V6B dLd", "V6C dLd", "V6E dLd"], "604", st=("BC", "British Columbia"), w=3),
        C("Calgary", [], ["T2P dLd", "T2R dLd"], "403", st=("AB", "Alberta"), w=2),
        C("Ottawa", [], ["K1P dLd", "K1R dLd"], "613", st=("ON", "Ontario"), w=1),
        C("Québec", ["Quebec City", "Quebec"], ["G1R dLd", "G1K dLd"], "418", st=("QC", "Québec"), lang="fr", w=1),
    ],
    "IN": [
        C("Bengaluru", ["Bangalore", "Bangaluru"], ["5600dd", "5601dd"], "80", st=("KA", "Karnataka"), w=5,
          d=["Whitefield", "Koramangala", "Electronic City"]),
        C("Mumbai", ["Bombay"], ["4000dd", "4001dd"], "22", st=("MH", "Maharashtra"), w=5, d=["Andheri", "Bandra", "Powai"]),
        C("Chennai", ["Madras"], ["6000dd", "6001dd"], "44", st=("TN", "Tamil Nadu"), w=3, d=["T. Nagar", "Guindy"]),
        C("Kolkata", ["Calcutta"], ["7000dd", "7001dd"], "33", st=("WB", "West Bengal"), w=2, d=["Salt Lake"]),
        C("New Delhi", ["Delhi", "Nai Dilli"], ["1100dd"], "11", st=("DL", "Delhi"), w=4, d=["Connaught Place", "Saket"]),
        C("Pune", ["Poona"], ["4110dd"], "20", st=("MH", "Maharashtra"), w=2, d=["Hinjewadi", "Kharadi"]),
        C("Hyderabad", [], ["5000dd", "5000dd"], "40", st=("TG", "Telangana"), w=3, d=["HITEC City", "Gachibowli"]),
        C("Gurugram", ["Gurgaon"], ["1220dd"], "124", st=("HR", "Haryana"), w=2, d=["Cyber City", "Sohna Road"]),
    ],
    "AU": [
        C("Sydney", [], ["20dd", "21dd"], "2", st=("NSW", "New South Wales"), w=5, d=["North Sydney", "Parramatta", "Chatswood"]),
        C("Melbourne", [], ["30dd", "31dd"], "3", st=("VIC", "Victoria"), w=4, d=["Southbank", "Docklands", "Richmond"]),
        C("Brisbane", [], ["40dd", "41dd"], "7", st=("QLD", "Queensland"), w=2, d=["Fortitude Valley"]),
        C("Perth", [], ["60dd", "61dd"], "8", st=("WA", "Western Australia"), w=2),
        C("Adelaide", [], ["50dd"], "8", st=("SA", "South Australia"), w=1),
        C("Canberra", [], ["26dd"], "2", st=("ACT", "Australian Capital Territory"), w=1),
    ],
    "ES": [
        C("Madrid", [], ["280dd"], "91", w=6, d=["Chamartín", "Salamanca", "Alcobendas"]),
        C("Barcelona", [], ["080dd"], "93", w=5, d=["Eixample", "Gràcia", "Sant Martí"]),
        C("Sevilla", ["Seville"], ["410dd"], "95", w=2),
        C("Valencia", ["València"], ["460dd"], "96", w=2),
        C("A Coruña", ["La Coruña", "Coruna", "A Coruna"], ["150dd"], "981", w=1),
        C("Zaragoza", ["Saragossa"], ["500dd"], "976", w=1),
        C("Bilbao", ["Bilbo"], ["480dd"], "94", w=2),
    ],
    "IT": [
        C("Milano", ["Milan"], ["201dd"], "02", w=6, d=["Porta Nuova", "Bicocca", "Navigli"]),
        C("Roma", ["Rome"], ["001dd"], "06", w=5, d=["EUR", "Prati", "Parioli"]),
        C("Torino", ["Turin"], ["101dd"], "011", w=3),
        C("Napoli", ["Naples"], ["801dd"], "081", w=2),
        C("Firenze", ["Florence"], ["501dd"], "055", w=2),
        C("Venezia", ["Venice", "Venezia-Mestre"], ["301dd"], "041", w=1),
        C("Genova", ["Genoa"], ["161dd"], "010", w=1),
        C("Bologna", [], ["401dd"], "051", w=2),
    ],
    "PT": [
        C("Lisboa", ["Lisbon"], ["1ddd-ddd"], "21", w=5, d=["Parque das Nações", "Alcântara"]),
        C("Porto", ["Oporto"], ["4ddd-ddd"], "22", w=3),
        C("Braga", [], ["47dd-ddd"], "253", w=1),
    ],
    "CZ": [
        C("Praha", ["Prague", "Prag"], ["1d0 00", "1dd 00"], "2", w=6, d=["Karlín", "Smíchov", "Vinohrady"]),
        C("Brno", ["Brünn"], ["6d2 00", "60d 00"], "5", w=2),
        C("Ostrava", [], ["70d 00"], "59", w=1),
    ],
    "DK": [
        C("København", ["Copenhagen", "Kobenhavn", "Koebenhavn"], ["1dd0", "2dd0"], "", w=6, d=["Østerbro", "Nørrebro", "Valby"]),
        C("Aarhus", ["Århus"], ["80d0"], "", w=2),
        C("Odense", [], ["50d0"], "", w=1),
    ],
    "SE": [
        C("Stockholm", [], ["11d dd", "10d dd"], "8", w=6, d=["Kista", "Södermalm", "Solna"]),
        C("Göteborg", ["Gothenburg", "Goteborg", "Goeteborg"], ["41d dd"], "31", w=3),
        C("Malmö", ["Malmo", "Malmoe"], ["21d dd"], "40", w=2),
        C("Uppsala", [], ["75d dd"], "18", w=1),
    ],
}

# ---------------------------------------------------------------------------
# Phone plans.  cc, trunk prefix, subscriber length (after area), mobile prefixes.
# ---------------------------------------------------------------------------
PHONE = {
    "DE": {"cc": "49", "trunk": "0", "sub": (6, 8), "mob": ["151", "160", "170", "171", "172", "176"], "mobsub": 7},
    "AT": {"cc": "43", "trunk": "0", "sub": (6, 7), "mob": ["664", "660", "676", "699"], "mobsub": 7},
    "CH": {"cc": "41", "trunk": "0", "sub": (7, 7), "mob": ["76", "78", "79"], "mobsub": 7},
    "FR": {"cc": "33", "trunk": "0", "sub": (8, 8), "mob": ["6", "7"], "mobsub": 8},
    "BE": {"cc": "32", "trunk": "0", "sub": (7, 7), "mob": ["470", "475", "486", "495"], "mobsub": 6},
    "NL": {"cc": "31", "trunk": "0", "sub": (7, 7), "mob": ["6"], "mobsub": 8},
    "GB": {"cc": "44", "trunk": "0", "sub": (7, 8), "mob": ["7700", "7712", "7800", "7911"], "mobsub": 6},
    "IE": {"cc": "353", "trunk": "0", "sub": (7, 7), "mob": ["85", "86", "87"], "mobsub": 7},
    "US": {"cc": "1", "trunk": "1", "sub": (7, 7), "mob": [], "mobsub": 7},
    "CA": {"cc": "1", "trunk": "1", "sub": (7, 7), "mob": [], "mobsub": 7},
    "IN": {"cc": "91", "trunk": "0", "sub": (8, 8), "mob": ["98450", "98860", "99000", "97400", "90080"], "mobsub": 5},
    "AU": {"cc": "61", "trunk": "0", "sub": (8, 8), "mob": ["4"], "mobsub": 8},
    "ES": {"cc": "34", "trunk": "", "sub": (7, 7), "mob": ["6", "7"], "mobsub": 8},
    "IT": {"cc": "39", "trunk": "", "sub": (6, 8), "mob": ["3"], "mobsub": 9},
    "PT": {"cc": "351", "trunk": "", "sub": (7, 7), "mob": ["91", "93", "96"], "mobsub": 7},
    "CZ": {"cc": "420", "trunk": "", "sub": (8, 8), "mob": ["6", "7"], "mobsub": 8},
    "DK": {"cc": "45", "trunk": "", "sub": (8, 8), "mob": ["2", "3", "4"], "mobsub": 7},
    "SE": {"cc": "46", "trunk": "0", "sub": (7, 7), "mob": ["70", "72", "73"], "mobsub": 7},
}

# ---------------------------------------------------------------------------
# Streets.  Per language: list of (kind, base) items; kinds decide rendering.
# ---------------------------------------------------------------------------
STREETS = {
    "de": {
        "joined": ["Leopold", "Goethe", "Schiller", "Bahnhof", "Haupt", "Kaiser", "Linden", "Garten", "Hafen",
                   "Industrie", "Mozart", "Friedrich", "Königs", "Markt", "Ludwig", "Wilhelm", "Rosen", "Mühlen",
                   "Kirch", "Schloss", "Park", "Birken", "Ahorn", "Eichen", "Wiesen", "Sonnen", "Gutenberg",
                   "Daimler", "Siemens", "Bismarck", "Hansa", "Fraunhofer", "Kepler", "Humboldt", "Lessing",
                   "Uhland", "Herder", "Beethoven", "Brahms", "Dürer", "Holbein", "Feld", "Wald", "Rhein",
                   "Neckar", "Elb", "Isar", "Donau", "Weser", "Zeppelin", "Otto-Hahn-", "Max-Planck-",
                   "Carl-Benz-", "Konrad-Adenauer-", "Theodor-Heuss-", "Röntgen", "Kant", "Leibniz"],
        "types": [("straße", 10), ("weg", 3), ("allee", 2), ("platz", 1), ("ring", 2), ("damm", 1), ("gasse", 1),
                  ("ufer", 1)],
        "adj": ["Berliner", "Münchner", "Hamburger", "Frankfurter", "Kölner", "Stuttgarter", "Leipziger",
                "Hannoversche", "Alte", "Neue", "Lange", "Große", "Kleine", "Obere", "Untere"],
    },
    "fr": {
        "names": ["de la Paix", "Victor Hugo", "du Faubourg Saint-Honoré", "de Rivoli", "Jean Jaurès",
                  "de la République", "Pasteur", "Gambetta", "des Lilas", "du Général de Gaulle", "Émile Zola",
                  "de l'Église", "Saint-Michel", "Voltaire", "de la Gare", "Lafayette", "Foch", "Carnot",
                  "des Écoles", "du Port", "de Verdun", "Marceau", "de la Liberté", "Montaigne", "Hoche",
                  "de Lattre de Tassigny", "du Président Wilson", "des Champs-Élysées", "de la Croix-Rousse",
                  "Paul Bert", "de Flandre", "du Château", "Anatole France", "Louise Michel", "Clemenceau"],
        "types": [("rue", 10, ["r.", "Rue"]), ("avenue", 4, ["av.", "Av.", "Ave"]),
                  ("boulevard", 3, ["bd", "Bd", "boul.", "Bld"]), ("place", 1, ["pl.", "Pl."]),
                  ("quai", 1, ["Quai"]), ("allée", 1, ["all.", "allee"]), ("cours", 1, ["crs"])],
    },
    "nl": {
        "joined": ["Heren", "Keizers", "Prinsen", "Stations", "Kerk", "Molen", "Haven", "Dorps", "Wilhelmina",
                   "Juliana", "Oranje", "Beatrix", "Markt", "Industrie", "Nieuwe", "Oude", "Zuid", "Noord",
                   "Van Heuven Goedhart", "Rembrandt", "Vondel", "Spaarne", "Schie", "Lange Voorhout",
                   "Coolsingel", "Weena", "Parnassus", "Gustav Mahler", "Claude Debussy", "Strawinsky",
                   "Fokker", "Philips", "Tulp", "Linden", "Eiken", "Beuken", "Sluis", "Dijk"],
        "types": [("straat", 8), ("weg", 5), ("laan", 4), ("gracht", 2), ("plein", 1), ("kade", 2), ("singel", 1),
                  ("dreef", 1)],
    },
    "en": {
        "names": ["High", "Church", "Victoria", "King", "Queen", "Station", "Park", "Mill", "London", "Bridge",
                  "Castle", "Grosvenor", "Baker", "Oxford", "Regent", "Kings", "Albert", "Wellington", "Market",
                  "Broad", "Canal", "Chapel", "Princes", "Waterloo", "George", "Collins", "Pitt", "Bourke",
                  "Elizabeth", "Flinders", "Adelaide", "Bay", "Yonge", "Front", "Granville", "Main", "Oak",
                  "Maple", "Pine", "Cedar", "Lake", "Hill", "Commerce", "Congress", "State", "Franklin",
                  "Jefferson", "Madison", "Lincoln", "Washington", "Elm", "Peachtree", "Michigan", "Mission",
                  "Pacific", "Harbour", "Riverside", "Dame", "Grafton", "Leeson", "Baggot", "Merrion",
                  "Fitzwilliam", "Harcourt", "Clarendon", "St Stephen's", "Moorgate", "Cheapside", "Fleet",
                  "Holborn", "Deansgate", "Colmore", "Boylston", "Tremont", "Wacker", "LaSalle", "Howard"],
        "types": [("Street", 10, ["St", "St."]), ("Road", 5, ["Rd", "Rd."]), ("Avenue", 4, ["Ave", "Ave.", "Av"]),
                  ("Lane", 2, ["Ln", "Ln."]), ("Place", 2, ["Pl", "Pl."]), ("Square", 1, ["Sq", "Sq."]),
                  ("Boulevard", 2, ["Blvd", "Blvd."]), ("Drive", 2, ["Dr", "Dr."]), ("Way", 1, []),
                  ("Court", 1, ["Ct", "Ct."]), ("Parkway", 1, ["Pkwy"]), ("Terrace", 1, ["Tce", "Terr."])],
    },
    "in": {
        "names": ["MG", "Residency", "Brigade", "Linking", "Nehru", "Gandhi", "Outer Ring", "Old Airport", "Hosur",
                  "Bannerghatta", "Senapati Bapat", "Lal Bahadur Shastri", "Netaji Subhash", "Cunningham",
                  "Richmond", "Infantry", "Lavelle", "Nariman", "Turner", "Hill", "Linking", "Anna Salai",
                  "Mount", "Sardar Patel", "Golf Course", "Sohna", "Jubilee Hills", "Banjara Hills", "Park",
                  "Camac", "Shakespeare Sarani", "Barakhamba", "Kasturba Gandhi", "Janpath", "Tilak"],
        "types": [("Road", 10, ["Rd", "Rd."]), ("Marg", 3, []), ("Street", 2, ["St", "St."]),
                  ("Main Road", 2, ["Main Rd"]), ("Cross Road", 1, ["Cross Rd"])],
        "prefix": ["No. {n}, ", "{n}, ", "Plot No. {n}, ", "{n}/{m}, ", "Unit {n}, {tower}, ", "{fl} Floor, {tower}, "],
        "towers": ["Prestige Tower", "Embassy Tech Square", "Mindspace", "DLF Cyber City Building 10",
                   "World Trade Center", "Bagmane Tech Park", "RMZ Ecoworld", "Raheja Towers", "Godrej BKC",
                   "Salarpuria Sattva", "Brigade Gateway", "Olympia Tech Park", "Tidel Park", "Unitech Signature"],
    },
    "es": {
        "names": ["Alcalá", "Serrano", "Velázquez", "Diagonal", "Gran Vía", "de la Castellana", "Mayor",
                  "Príncipe de Vergara", "Colón", "de Gràcia", "Balmes", "Aragó", "Mallorca", "San Vicente",
                  "de la Constitución", "Marqués de Larios", "Fuencarral", "Goya", "Orense", "de Europa",
                  "de América", "Juan Bravo", "José Ortega y Gasset", "del Puerto", "de la Industria",
                  "Sagasta", "Castelló", "Ribera del Loira", "de Burgos", "Doctor Esquerdo"],
        "types": [("Calle", 10, ["C/", "C.", "c/"]), ("Avenida", 4, ["Avda.", "Av.", "Avda"]),
                  ("Paseo", 2, ["Pº", "P.º", "Pso."]), ("Plaza", 1, ["Pza.", "Pl."]), ("Ronda", 1, ["Rda."])],
    },
    "it": {
        "names": ["Roma", "Garibaldi", "Mazzini", "Cavour", "Dante", "Vittorio Emanuele II", "della Repubblica",
                  "Manzoni", "Torino", "Montenapoleone", "dei Mille", "XX Settembre", "Indipendenza",
                  "della Libertà", "San Francesco", "Verdi", "Matteotti", "Nazionale", "del Corso", "Fiume",
                  "Tortona", "Solferino", "Monte Rosa", "Carducci", "Marconi", "Leopardi", "Gramsci",
                  "Santa Sofia", "dei Missaglia", "del Lavoro", "Bligny", "Po", "Castiglione"],
        "types": [("Via", 10, ["V.", "v."]), ("Viale", 3, ["V.le", "V.LE"]), ("Piazza", 2, ["P.zza", "P.za", "Pza"]),
                  ("Corso", 2, ["C.so", "C.SO"]), ("Largo", 1, ["L.go"])],
    },
    "pt": {
        "names": ["Augusta", "da Liberdade", "do Ouro", "de Santa Catarina", "da Boavista", "dos Aliados",
                  "da República", "Fontes Pereira de Melo", "de São Bento", "do Carmo", "da Conceição",
                  "Duque de Ávila", "António Augusto de Aguiar", "Sidónio Pais", "do Brasil", "D. João II",
                  "Marquês de Pombal", "José Malhoa", "de Ceuta", "Júlio Dinis"],
        "types": [("Rua", 10, ["R.", "R"]), ("Avenida", 5, ["Av.", "Avª", "Av"]), ("Praça", 2, ["Pç.", "Pça."]),
                  ("Largo", 1, ["Lgo."]), ("Travessa", 1, ["Tv.", "Trav."])],
    },
    "cs": {
        "names": ["Vinohradská", "Národní", "Na Příkopě", "Pařížská", "Sokolovská", "Plzeňská", "Masarykova",
                  "Husova", "Palackého", "Jugoslávská", "Karlova", "Thámova", "Radlická", "Pernerova",
                  "Rohanské nábřeží", "Křižíkova", "Lidická", "Nádražní", "Hlavní", "Školní", "Jiráskova",
                  "Komenského", "Dukelských hrdinů", "Evropská", "Milady Horákové"],
        "squares": ["Václavské náměstí", "Karlovo náměstí", "Náměstí Republiky", "Masarykovo náměstí",
                    "Náměstí Míru", "Staroměstské náměstí"],
        "trida": ["Politických vězňů", "Kpt. Jaroše", "Svobody", "Generála Píky"],
    },
    "da": {
        "names": ["Vesterbrogade", "Østergade", "Nørregade", "Strandvejen", "Amagertorv", "Frederiksberggade",
                  "Kongens Nytorv", "Bredgade", "Store Kongensgade", "Havnegade", "Søndergade", "Åboulevard",
                  "Rådhuspladsen", "Kampmannsgade", "Lyngbyvej", "Tuborg Boulevard", "Vestergade",
                  "Nørre Voldgade", "Gammel Kongevej", "Kalvebod Brygge", "Borgergade", "Ryesgade",
                  "Skanderborgvej", "Banegårdspladsen", "H.C. Andersens Boulevard", "Store Torv",
                  "Sankt Knuds Torv", "Jernbanegade", "Åkandevej", "Søtorvet"],
    },
    "sv": {
        "names": ["Drottninggatan", "Kungsgatan", "Sveavägen", "Birger Jarlsgatan", "Stureplan",
                  "Östra Hamngatan", "Södra Vägen", "Lilla Nygatan", "Vasagatan", "Kungsträdgårdsgatan",
                  "Hamngatan", "Regeringsgatan", "Götgatan", "Hornsgatan", "Västra Hamngatan",
                  "Stora Nygatan", "Storgatan", "Järnvägsgatan", "Klarabergsgatan", "Strandvägen",
                  "Norra Vallgatan", "Östergatan", "Industrigatan", "Torsgatan", "Lindhagensgatan"],
    },
}

# Streets in French-speaking Belgium/Switzerland/Québec reuse "fr"; BE Dutch uses "nl".

# PO box / billing address forms (ERP billing addresses).
PO_BOX = {
    "de": "Postfach {n}", "fr": "BP {n}", "nl": "Postbus {n}", "en": "PO Box {n}", "in": "PO Box {n}",
    "es": "Apartado de Correos {n}", "it": "Casella Postale {n}", "pt": "Apartado {n}", "cs": "P.O. Box {n}",
    "da": "Postboks {n}", "sv": "Box {n}",
}
