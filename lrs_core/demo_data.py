"""Curated word lists for the synthetic demo data (:mod:`lrs_core.services.demo`).

Every person, organisation and address here is invented. Name lists run roughly from most
to least common, because the generator picks with a bias towards the head of each list
(as real registers are dominated by a few common names). Each name is at most 35
characters and passes :func:`lrs_core.domain.names.validate_name`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class DemoLearner:
    """A learner the demo seed writes with the configured seed and count (`make run`:
    ``[demo] learners = 2000``, ``seed = 2026``), named so README's examples can use it."""

    uln: str
    given_name: str
    family_name: str
    date_of_birth: date
    postcode: str


# README's example learners, all in the demo database `make run` creates (README's commands
# are run against it by tests/cli/test_readme_commands.py, so the two cannot drift apart).
README_LEARNER = DemoLearner("8414908070", "Michael", "Davis", date(1981, 7, 31), "EC1A 4AL")
# Found by personal details typed as a caller gives them: "Andre McKenzie", BN2 7LW.
README_NEAR_MATCH = DemoLearner("2775588238", "André", "MacKenzie", date(1965, 12, 26), "BN2 7LW")
# A PLR with events to leave out of a report (134 and 135: README's `--exclude`).
README_PLR_LEARNER = DemoLearner("9694293730", "Omar", "Watkins", date(2011, 9, 18), "SA1 4BA")
README_PLR_EVENTS = (134, 135)


@dataclass(frozen=True)
class DemoOrganisation:
    """An organisation the demo seed writes (the lost-super-user ones with the configured seed,
    as README_LEARNER is; the others whatever the seed, into a database that lacks them)."""

    ukprn: str
    name: str


# The organisation directory's hard cases (issue 12; User Guide §3.1, §3.3, §3.6). The
# first school, college and training provider of the configured seed (`make run`) have lost
# their only super user: suspended, on long-term leave, left (deleted).
DEMO_ORG_SUSPENDED_SUPER_USER = DemoOrganisation("10065865", "Aldersley Academy")
DEMO_ORG_LEAVE = DemoOrganisation("10089048", "Marlow Heath College of Further Education")
DEMO_ORG_LEFT = DemoOrganisation("10093174", "Northgate Apprenticeships CIC")
# Written by every seed with fixed UKPRNs (outside the generated ones' 10000000-10099999):
# no super user at all (a dormant user and a generic "exams.office" only), one, three (the
# recommended number, with a generic "reception1" and a dormant account), seven (more than
# §3.1's five), and one whose portal permissions the desk disabled after repeated breaches
# (§1.4), with its security action and a shared "admin" account holding every role.
DEMO_ORG_NO_SUPER_USERS = DemoOrganisation("10190000", "Kestrel Down Academy")
DEMO_ORG_ONE_SUPER_USER = DemoOrganisation("10190001", "Valebrook Sixth Form College")
DEMO_ORG_THREE_SUPER_USERS = DemoOrganisation("10190003", "Orchard Vale Training Ltd")
DEMO_ORG_SEVEN_SUPER_USERS = DemoOrganisation("10190007", "University of Netherby")
DEMO_ORG_PORTAL_DISABLED = DemoOrganisation("10190009", "Redmarsh Justice Learning Partnership")
# Generic-looking usernames (§3.5.1) and the dormant accounts' months without a sign-in.
DEMO_GENERIC_USERNAMES = ("exams.office", "reception1", "admin")
DEMO_DORMANT_MONTHS = 14

# fmt: off

MALE_GIVEN = (
    "Oliver", "George", "Noah", "Muhammad", "Harry", "Jack", "Leo", "Arthur", "Charlie",
    "Oscar", "Jacob", "Thomas", "Henry", "William", "Alfie", "Joshua", "James", "Freddie",
    "Theo", "Archie", "Alexander", "Isaac", "Edward", "Lucas", "Daniel", "Samuel", "Joseph",
    "Benjamin", "Ethan", "Mohammed", "Max", "Logan", "Adam", "Ryan", "Liam", "Dylan", "Lewis",
    "Callum", "Connor", "Kieran", "Jamie", "Matthew", "Michael", "David", "Christopher",
    "Andrew", "Mark", "Paul", "Stephen", "Richard", "Robert", "John", "Peter", "Anthony",
    "Nicholas", "Jonathan", "Frederick", "Alfred", "Theodore", "Gareth", "Rhys", "Dafydd",
    "Owain", "Aled", "Declan", "Niall", "Tadhg", "Ravi", "Arjun", "Rohan", "Kwame", "Kofi",
    "Tunde", "Oluwaseun", "Chidi", "Mateusz", "Jakub", "Piotr", "Krzysztof", "Andrei",
    "Ahmed", "Yusuf", "Ibrahim", "Omar", "Hamza", "Bilal", "Imran", "Tariq", "Wei", "Jun",
    "Mohammad", "Reuben", "Rory", "Jude", "Hugo", "Ronnie", "Elijah", "Sebastian", "Harrison",
)

FEMALE_GIVEN = (
    "Olivia", "Amelia", "Isla", "Ava", "Lily", "Freya", "Mia", "Florence", "Grace", "Ivy",
    "Sophia", "Isabella", "Rosie", "Poppy", "Emily", "Ella", "Evie", "Charlotte", "Daisy",
    "Sophie", "Chloe", "Jessica", "Hannah", "Lauren", "Megan", "Amy", "Rebecca", "Sarah",
    "Laura", "Emma", "Katherine", "Elizabeth", "Margaret", "Eleanor", "Victoria", "Samantha",
    "Abigail", "Alexandra", "Natasha", "Jennifer", "Alice", "Matilda", "Phoebe", "Harper",
    "Millie", "Maya", "Ruby", "Willow", "Elsie", "Evelyn", "Bethan", "Cerys", "Ffion", "Nia",
    "Seren", "Aoife", "Niamh", "Saoirse", "Priya", "Ananya", "Aisha", "Fatima", "Maryam",
    "Zainab", "Amara", "Chiamaka", "Ngozi", "Agnieszka", "Zofia", "Gabriela", "Ioana", "Anna",
    "Mei", "Yan", "Keisha", "Tia", "Jade", "Kayleigh", "Leanne", "Nicola", "Claire", "Helen",
)

# Accented and other non-ASCII given names: the search must fold them (Siân ~ Sian).
MALE_GIVEN_ACCENTED = (
    "Eóin", "Seán", "Ciarán", "Dónal", "Pádraig", "Tomás", "José", "André", "Łukasz",
    "Bartłomiej", "Zoltán", "Jérôme", "François", "Björn", "Søren", "Ionuț", "Noël", "Rafał",
)
FEMALE_GIVEN_ACCENTED = (
    "Siân", "Zoë", "Chloé", "Renée", "Siobhán", "Róisín", "Sinéad", "Gráinne", "Anaïs",
    "Małgorzata", "Lucía", "Inês", "Zoé", "Aoibhín", "Beyoncé", "Noémie", "Åsa", "Maëlle",
)

# Legal given name -> preferred (nick) names; the register keeps nicknames apart (Appendix C).
NICKNAMES: dict[str, tuple[str, ...]] = {
    "Alfred": ("Alfie", "Alf"),
    "Oliver": ("Ollie",),
    "William": ("Will", "Billy"),
    "Thomas": ("Tom", "Tommy"),
    "James": ("Jim", "Jamie"),
    "Robert": ("Rob", "Bobby"),
    "Edward": ("Ed", "Teddy"),
    "Alexander": ("Alex", "Xander"),
    "Benjamin": ("Ben", "Benji"),
    "Christopher": ("Chris", "Kit"),
    "Daniel": ("Dan", "Danny"),
    "Matthew": ("Matt",),
    "Michael": ("Mike", "Mikey"),
    "Samuel": ("Sam", "Sammy"),
    "Joseph": ("Joe", "Joey"),
    "Nicholas": ("Nick", "Nico"),
    "Jonathan": ("Jon", "Jonny"),
    "Richard": ("Rich", "Ricky"),
    "Anthony": ("Tony", "Ant"),
    "Frederick": ("Freddie", "Fred"),
    "Theodore": ("Theo", "Ted"),
    "Henry": ("Harry", "Hal"),
    "Charlie": ("Chaz",),
    "Muhammad": ("Mo",),
    "Mohammed": ("Mo",),
    "Jakub": ("Kuba",),
    "Elizabeth": ("Liz", "Beth", "Lizzie"),
    "Katherine": ("Kate", "Katie", "Kath"),
    "Margaret": ("Maggie", "Peggy"),
    "Rebecca": ("Becky", "Becca"),
    "Jennifer": ("Jen", "Jenny"),
    "Victoria": ("Vicky", "Tori"),
    "Samantha": ("Sam", "Sammie"),
    "Alexandra": ("Alex", "Lexi"),
    "Abigail": ("Abbie", "Abi"),
    "Charlotte": ("Lottie", "Charlie"),
    "Eleanor": ("Ellie", "Nell"),
    "Isabella": ("Bella", "Izzy"),
    "Olivia": ("Liv", "Livvy"),
    "Amelia": ("Millie", "Mia"),
    "Florence": ("Flo", "Florrie"),
    "Jessica": ("Jess",),
    "Natasha": ("Tash",),
    "Małgorzata": ("Gosia",),
    "Siobhán": ("Shiv",),
}

FAMILY = (
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas",
    "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards",
    "Hughes", "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood",
    "Turner", "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King",
    "Baker", "Harrison", "Morgan", "Allen", "James", "Scott", "Phillips", "Watson", "Davis",
    "Parker", "Price", "Bennett", "Young", "Griffiths", "Mitchell", "Kelly", "Cook", "Carter",
    "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy", "Miller", "Cox", "Richards",
    "Khan", "Marshall", "Anderson", "Simpson", "Ellis", "Adams", "Singh", "Begum", "Wilkinson",
    "Foster", "Chapman", "Powell", "Webb", "Rogers", "Gray", "Mason", "Ali", "Hunt", "Hussain",
    "Campbell", "Matthews", "Owen", "Palmer", "Holmes", "Mills", "Barnes", "Knight", "Lloyd",
    "Butler", "Russell", "Barker", "Fisher", "Stevens", "Jenkins", "Murray", "Dixon", "Harvey",
    "Graham", "Pearson", "Ahmed", "Fletcher", "Walsh", "Kaur", "Gibson", "Howard", "Andrews",
    "Stewart", "Elliott", "Reynolds", "Saunders", "Payne", "Fox", "Ford", "Pearce", "Day",
    "Brooks", "West", "Lawrence", "Cole", "Atkinson", "Bradley", "Spencer", "Gill", "Dawson",
    "Ball", "Burton", "Watts", "Rose", "Booth", "Perry", "Ryan", "Grant", "Wells", "Armstrong",
    "Francis", "Rees", "Hayes", "Hart", "Hudson", "Newman", "Barrett", "Webster", "Hunter",
    "Gregory", "Carr", "Lowe", "Page", "Marsh", "Riley", "Dunn", "Woods", "Parsons", "Berry",
    "Stone", "Reid", "Read", "Reed", "Holland", "Hawkins", "Harding", "Porter", "Robertson",
    "Newton", "Oliver", "Kennedy", "Williamson", "Bird", "Gardner", "Shah", "Dean", "Lane",
    "Cooke", "Bates", "Henderson", "Parry", "Burgess", "Bishop", "Walton", "Burns", "Nicholson",
    "Shepherd", "Ross", "Cross", "Long", "Freeman", "Warren", "Nicholls", "Hamilton", "Byrne",
    "Sutton", "Yates", "Hodgson", "Robson", "Curtis", "Hopkins", "Harper", "Coleman", "Watkins",
    "Moss", "Chambers", "Griffin", "Sharp", "Hardy", "Wheeler", "Potter", "Osborne", "Johnston",
    "Gordon", "Doyle", "Wallace", "George", "Jordan", "Hutchinson", "Rowe", "Burke", "May",
    "Pritchard", "Gilbert", "Willis", "Higgins", "Miles", "Stevenson", "Stephenson", "Hammond",
    "Arnold", "Buckley", "Walters", "Hewitt", "Barber", "Nelson", "Slater", "Austin",
    "Sullivan", "Whitehead", "Mann", "Frost", "Lambert", "Stephens", "Blake", "Akhtar", "Lynch",
    "Goodwin", "Barton", "Woodward", "Thomson", "Cunningham", "Quinn", "Barnett", "Baxter",
    "Bibi", "Clayton", "Nash", "Greenwood", "Jennings", "Holt", "Kemp", "Poole", "Gallagher",
    "Bond", "Stokes", "Tucker", "Davidson", "Fowler", "Heath", "Norman", "Middleton", "Lawson",
    "Banks", "French", "Stanley", "Jarvis", "Gibbs", "Ferguson", "Hayward", "Carroll",
    "Douglas", "Dickinson", "Todd", "Barlow", "Peters", "Lucas", "Knowles", "Hartley", "Miah",
    "Simmons", "Morton", "Alexander", "Field", "Morrison", "Norris", "Townsend", "Preston",
    "Hancock", "Thornton", "Baldwin", "Briggs", "Nowak", "Kowalski", "Nguyen", "Chen", "Wang",
    "Li", "Zhang", "Okafor", "Adeyemi", "Mensah", "Osei", "Mahmood", "Iqbal", "Rahman",
    "Uddin", "Chowdhury", "Sharma", "Gupta", "Kumar", "Joshi", "Santos", "Pereira", "Popescu",
    "Ionescu", "Nagy", "Czaja", "Chiah", "Philips",
)

# Mc/Mac variants of one name: the search should try both (Appendix B).
MC_MAC = (
    "McDonald", "MacDonald", "McLeod", "MacLeod", "McKenzie", "Mackenzie", "MacKenzie",
    "McGregor", "MacGregor", "McKay", "Mackay", "MacKay", "McPherson", "MacPherson", "McNeil",
    "MacNeil", "McIntyre", "MacIntyre", "McLaughlin", "McCann", "McCarthy", "McAllister",
)
MC_MAC_SWAP = {"Mc": "Mac", "Mac": "Mc"}

APOSTROPHE = (
    "O'Brien", "O'Connor", "O'Neill", "O'Sullivan", "O'Reilly", "O'Donnell", "O'Hara",
    "O'Leary", "D'Souza", "D'Arcy", "D'Cruz", "D'Angelo", "N'Diaye", "O'Dowd",
)

# Prefixes written with a space (with/without prefix is a search tip).
PREFIXED = (
    "De Souza", "Da Silva", "Van der Berg", "Van Dyke", "Le Roux", "De la Cruz", "St John",
    "Ap Rhys", "Du Plessis", "El Amin",
)

ACCENTED_FAMILY = (
    "Müller", "Núñez", "García", "López", "Gonçalves", "Brontë", "Dvořák", "Wójcik",
    "Kowalczyk", "Lewandowski", "Søndergaard", "Öztürk", "Yılmaz", "Çelik", "Şahin",
    "Nováková", "Gérard", "Ó Súilleabháin",
)

# The first halves of double-barrelled names (the second is any common family name).
BARREL_FIRST = (
    "Smith", "Lloyd", "Taylor", "Evans", "Ahmed", "Clarke", "Davies", "Patel", "Hughes",
    "Bennett", "Fox", "Price", "Owen", "Rees", "Wynne", "Lewis", "Morgan", "Parry",
)

# Spellings of one name: a crowd that differs only in them (and so is not identical key
# data, §4.2.4) but which a phonetic search finds all at once - "too many results".
CROWD_GIVEN = (
    "Mohammed", "Muhammad", "Mohammad", "Mohamed", "Mohamad", "Muhammed", "Mohammod",
    "Mohamud", "Muhamad", "Mohammud", "Mahomed", "Muhammod",
)
CROWD_FAMILY = ("Khan", "Ali", "Ahmed", "Hussain")

# Learners the matching examples name (issue 10), seeded as the last learners of a seed so
# every learner before them is as it was: (given, family, date of birth, gender, postcode).
NAMED_LEARNERS = (
    # Found when the names are typed the wrong way round with a typo: "Georte Kyra".
    ("Kyra", "George", "2007-03-14", 2, "LS6 3HN"),
    # Married and moved, neither recorded: "Olivia Okoro 1994-06-21 female M14 5RT" finds her
    # only as a weaker candidate, and the desk asks for a previous family name or postcode.
    ("Olivia", "Whitfield", "1994-06-21", 2, "BD7 2QR"),
)

TITLES_MALE = ("Mr", "Mr", "Mr", "Dr")
TITLES_FEMALE = ("Ms", "Mrs", "Miss", "Ms", "Dr")

# (outward code, town, county or city). Inward codes are generated.
POSTCODE_AREAS = (
    ("LS6", "Leeds", "West Yorkshire"),
    ("LS11", "Leeds", "West Yorkshire"),
    ("BD7", "Bradford", "West Yorkshire"),
    ("HD1", "Huddersfield", "West Yorkshire"),
    ("S10", "Sheffield", "South Yorkshire"),
    ("DN1", "Doncaster", "South Yorkshire"),
    ("YO10", "York", "North Yorkshire"),
    ("HU5", "Hull", "East Riding of Yorkshire"),
    ("M14", "Manchester", "Greater Manchester"),
    ("M20", "Manchester", "Greater Manchester"),
    ("OL1", "Oldham", "Greater Manchester"),
    ("BB1", "Blackburn", "Lancashire"),
    ("PR1", "Preston", "Lancashire"),
    ("L8", "Liverpool", "Merseyside"),
    ("CA1", "Carlisle", "Cumbria"),
    ("NE6", "Newcastle upon Tyne", "Tyne and Wear"),
    ("SR1", "Sunderland", "Tyne and Wear"),
    ("DH1", "Durham", "County Durham"),
    ("TS1", "Middlesbrough", "North Yorkshire"),
    ("B15", "Birmingham", "West Midlands"),
    ("B23", "Birmingham", "West Midlands"),
    ("WV1", "Wolverhampton", "West Midlands"),
    ("CV1", "Coventry", "West Midlands"),
    ("ST4", "Stoke-on-Trent", "Staffordshire"),
    ("DE22", "Derby", "Derbyshire"),
    ("NG7", "Nottingham", "Nottinghamshire"),
    ("LE2", "Leicester", "Leicestershire"),
    ("MK9", "Milton Keynes", "Buckinghamshire"),
    ("LU1", "Luton", "Bedfordshire"),
    ("CB1", "Cambridge", "Cambridgeshire"),
    ("NR2", "Norwich", "Norfolk"),
    ("IP1", "Ipswich", "Suffolk"),
    ("CO1", "Colchester", "Essex"),
    ("OX4", "Oxford", "Oxfordshire"),
    ("RG1", "Reading", "Berkshire"),
    ("SO17", "Southampton", "Hampshire"),
    ("PO1", "Portsmouth", "Hampshire"),
    ("BN2", "Brighton", "East Sussex"),
    ("CT1", "Canterbury", "Kent"),
    ("GL1", "Gloucester", "Gloucestershire"),
    ("BS5", "Bristol", "City of Bristol"),
    ("EX4", "Exeter", "Devon"),
    ("PL4", "Plymouth", "Devon"),
    ("TR1", "Truro", "Cornwall"),
    ("WR1", "Worcester", "Worcestershire"),
    ("HR1", "Hereford", "Herefordshire"),
    ("SY1", "Shrewsbury", "Shropshire"),
    ("E1", "London", "Greater London"),
    ("E17", "London", "Greater London"),
    ("N1", "London", "Greater London"),
    ("NW6", "London", "Greater London"),
    ("SE15", "London", "Greater London"),
    ("SW9", "London", "Greater London"),
    ("W1T", "London", "Greater London"),
    ("EC1A", "London", "Greater London"),
    ("CF24", "Cardiff", "South Glamorgan"),
    ("SA1", "Swansea", "West Glamorgan"),
    ("LL57", "Bangor", "Gwynedd"),
    ("EH8", "Edinburgh", "City of Edinburgh"),
    ("G12", "Glasgow", "Glasgow City"),
    ("AB24", "Aberdeen", "Aberdeen City"),
    ("BT9", "Belfast", "County Antrim"),
)
WELSH_OUTWARD_PREFIXES = ("CF", "SA", "LL")
SCOTTISH_OUTWARD_PREFIXES = ("EH", "G1", "AB")
# Letters used in the inward code (never C, I, K, M, O or V).
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

STREETS = (
    "High Street", "Station Road", "Church Lane", "Victoria Road", "Park Avenue", "Mill Lane",
    "King Street", "Queens Road", "Grange Road", "Manor Way", "Oak Close", "Beech Grove",
    "Chapel Street", "Albert Road", "York Street", "Springfield Road", "St John's Road",
    "Windsor Drive", "Meadow View", "The Crescent", "Green Lane", "New Street", "Cedar Court",
    "Hawthorn Avenue", "Brook Street", "Castle Street", "North Road", "Orchard Way",
)
FLATS = ("Flat 1", "Flat 2", "Flat 3", "Flat 4B", "Flat 12", "Apartment 7", "Rear Flat")

NATIONALITIES = ("Irish", "Polish", "Indian", "Pakistani", "Nigerian", "Romanian", "Italian")
PLACES_OF_BIRTH = (
    "Leeds", "Manchester", "Birmingham", "London", "Cardiff", "Glasgow", "Belfast", "Bristol",
    "Lagos", "Karachi", "Warsaw", "Bucharest", "Dublin", "Mumbai", "Sheffield", "Swansea",
)

# Accepted "Other" verification descriptions: documents from a trusted third party.
OTHER_VERIFICATION = (
    "Birth certificate checked by college",
    "Armed forces service ID card",
    "Exam certificates from previous school",
    "Biometric residence permit",
    "Home Office immigration status letter",
    "Adoption certificate seen by provider",
    "Letter from local authority social services",
)

# Schools at 16, written without the words "School" or "College" (Appendix C).
SCHOOLS_AT_16 = (
    "Hillside Academy", "St Bede's Catholic Academy", "Kingsmead", "Oakwood Park",
    "Brookfield High", "Westbridge Academy", "Fairhaven Grammar", "Millbrook Community High",
    "Ysgol Gyfun Glan Afon", "St Mary's RC High", "Ashdown Free", "Northgate Academy",
)

# Fictional place names for organisations.
PLACES = (
    "Eastmoor", "Northgate", "Riverside", "Ashdown", "Brookfield", "Kingsmead", "Fairhaven",
    "Westbridge", "Oakwood", "Highfield", "Millbrook", "Stonebridge", "Harrowfield", "Larchmont",
    "Cresswell", "Hollins", "Ravensworth", "Thornbury", "Wexcombe", "Dunmere", "Aldersley",
    "Blackwater", "Castleford Vale", "Elmstead", "Foxhollow", "Greystone", "Hazelmere",
    "Ivybridge Vale", "Juniper Hill", "Kestrel Down", "Linden", "Marlow Heath", "Netherby",
    "Orchard Vale", "Pennington", "Queensbury", "Redmarsh", "Saltcombe", "Tillingham",
    "Upperton", "Valebrook", "Whitcliffe", "Yarrow", "Zennor Cross",
)

# Organisation name patterns per kind ({p} is a place).
ORGANISATION_PATTERNS: dict[str, tuple[str, ...]] = {
    "school": (
        "{p} Academy", "{p} High School", "St Bede's Catholic School, {p}",
        "{p} Community School", "{p} Grammar School",
    ),
    "college": ("{p} College", "{p} Sixth Form College", "{p} College of Further Education"),
    "training-provider": (
        "{p} Training Ltd", "Skills for Work {p} Ltd", "{p} Apprenticeships CIC",
        "Brightpath Learning {p}",
    ),
    "higher-education": ("University of {p}", "{p} Institute of Technology"),
    "prison-education": ("{p} Justice Learning Partnership", "HMP {p} Education Department"),
    "armed-forces": ("Army Education Centre {p}", "RAF {p} Learning Centre"),
    "careers-service": ("Careers Connect {p}", "{p} Youth Careers Service"),
}

# Fictional awarding organisations (is_ao, kind awarding-organisation).
AWARDING_ORGANISATIONS = (
    "Northern Examinations Board",
    "Pennine Awarding Body",
    "Midland Vocational Awards",
    "Thames Assessment Partnership",
    "Severn Qualifications Council",
    "Albion Skills Certification",
)

# (subject, code) - GCSE / A level subjects for NPD Key Stage 4 and 5 events.
GCSE_SUBJECTS = (
    ("English Language", "601/4292/3"), ("Mathematics", "601/4606/0"),
    ("English Literature", "601/4291/1"), ("Combined Science", "601/8758/X"),
    ("Biology", "601/8433/4"), ("Chemistry", "601/8434/6"), ("Physics", "601/8435/8"),
    ("Geography", "601/8410/3"), ("History", "601/8230/1"), ("French", "601/8157/6"),
    ("Spanish", "601/8160/6"), ("German", "601/8158/8"), ("Religious Studies", "601/8393/7"),
    ("Computer Science", "601/8355/X"), ("Art and Design", "601/8088/2"),
    ("Design and Technology", "603/0090/5"), ("Music", "601/8209/X"), ("Drama", "601/8432/2"),
    ("Physical Education", "601/8251/9"), ("Business", "603/0095/4"),
    ("Food Preparation and Nutrition", "601/8437/1"), ("Welsh Second Language", "601/7839/5"),
    ("Urdu", "603/0776/6"), ("Polish", "603/0771/7"),
)
ALEVEL_SUBJECTS = (
    ("Mathematics", "601/4843/3"), ("Further Mathematics", "601/4844/5"),
    ("Biology", "601/4282/0"), ("Chemistry", "601/4283/2"), ("Physics", "601/4284/4"),
    ("Psychology", "601/4640/0"), ("English Literature", "601/4328/9"),
    ("History", "601/4592/0"), ("Sociology", "601/5026/9"), ("Economics", "601/4611/6"),
    ("Geography", "601/8369/X"), ("Computer Science", "601/4576/2"),
    ("Art and Design", "601/4487/3"), ("Law", "603/0784/5"), ("Politics", "603/0774/2"),
)
# (subject, qualification type, level, credits or 0) - ILR provider returns.
ILR_AIMS = (
    ("Hairdressing", "Diploma", "2", 0),
    ("Plumbing Studies", "Diploma", "2", 0),
    ("Electrical Installation", "Diploma", "3", 0),
    ("Health and Social Care", "Extended Diploma", "3", 0),
    ("Childcare and Education", "Diploma", "3", 0),
    ("Business Administration", "Certificate", "2", 0),
    ("Construction Multi-skills", "Diploma", "1", 0),
    ("Motor Vehicle Maintenance", "Diploma", "2", 0),
    ("Professional Cookery", "Diploma", "2", 0),
    ("Digital Technologies", "T Level", "3", 0),
    ("Sport and Exercise Science", "Extended Diploma", "3", 0),
    ("Creative Media Production", "Extended Diploma", "3", 0),
    ("Functional Skills English", "Functional Skills", "1", 0),
    ("Functional Skills Mathematics", "Functional Skills", "2", 0),
    ("ESOL Skills for Life", "ESOL", "Entry", 0),
    ("Customer Service Practitioner", "Apprenticeship Standard", "2", 0),
    ("Adult Care Worker", "Apprenticeship Standard", "2", 0),
    ("Team Leader or Supervisor", "Apprenticeship Standard", "3", 0),
    ("Accountancy", "Apprenticeship Standard", "4", 0),
    ("Access to HE: Nursing", "Access to HE Diploma", "3", 60),
    ("Computing", "Higher National Certificate", "4", 120),
    ("Engineering", "Higher National Diploma", "5", 240),
    ("Warehousing and Storage", "Certificate", "2", 13),
    ("Employability Skills", "Award", "Entry", 3),
    ("Work Experience", "Non-regulated provision", "", 0),
)
# (subject, qualification type, level, credits or 0) - awarding organisations' own returns.
AO_QUALIFICATIONS = (
    ("Entry Level Certificate in Mathematics", "Entry Level Certificate", "Entry", 0),
    ("Entry Level Certificate in English", "Entry Level Certificate", "Entry", 0),
    ("First Aid at Work", "Award", "3", 1), ("Food Safety in Catering", "Award", "2", 1),
    ("Health and Safety in the Workplace", "Award", "2", 1),
    ("Award in Education and Training", "Award", "3", 12),
    ("Certificate in Counselling Skills", "Certificate", "3", 20),
    ("Forklift Truck Operations", "Certificate", "2", 6),
    ("Diploma in Accounting", "Diploma", "3", 48),
    ("Diploma in Professional Accounting", "Diploma", "6", 90),
    ("Diploma in Strategic Management and Leadership", "Diploma", "7", 120),
    ("Award in Strategic Direction", "Award", "8", 10),
    ("Certificate in Teaching English to Speakers of Other Languages", "Certificate", "5", 30),
    ("Extended Project Qualification", "Extended Project", "3", 0),
    ("Award in Personal Finance", "Award", "1", 4),
    ("Certificate in Digital Skills", "Certificate", "1", 9),
    ("Certificate in Understanding Mental Health", "Certificate", "2", 13),
    ("Diploma in Cyber Security", "Diploma", "4", 60),
    ("Construction Skills Certificate", "Certificate", "", 0),
)
# Qualifications deemed sensitive (hidden from organisations, Appendix E).
SENSITIVE_QUALIFICATIONS = (
    ("Substance Misuse Awareness", "Award", "1", 3),
    ("Offending Behaviour Programme", "Non-regulated provision", "", 0),
    ("Anger Management", "Award", "1", 2),
    ("Sexual Health Awareness", "Award", "1", 1),
    ("Resettlement Skills (custodial)", "Certificate", "Entry", 4),
)

GCSE_GRADES_NUMERIC = (
    "9", "8", "7", "7", "6", "6", "5", "5", "5", "4", "4", "4", "3", "3", "2", "1", "U",
)
GCSE_GRADES_LETTER = ("A*", "A", "A", "B", "B", "B", "C", "C", "C", "D", "D", "E", "F", "G", "U")
ALEVEL_GRADES = ("A*", "A", "A", "B", "B", "B", "C", "C", "C", "D", "D", "E", "U")
PMD_GRADES = ("Pass", "Pass", "Pass", "Merit", "Merit", "Distinction", "Distinction*")
AO_GRADES = ("Pass", "Pass", "Pass", "Merit", "Distinction", "A", "B", "C", "Achieved")

# Secret questions and (invented) answers for portal users; answers are stored only hashed.
SECRET_QUESTIONS = (
    ("What was the name of your first school?", "Hillside Primary"),
    ("What was the name of your first pet?", "Biscuit"),
    ("In which town were you born?", "Harrogate"),
    ("What was your favourite teacher's surname?", "Thistlewood"),
    ("What was the make of your first car?", "Vauxhall"),
)
# fmt: on
