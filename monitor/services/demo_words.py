"""The demo data's words in each language it loads (`demo-data --lang`): names, pipelines, tags, notes, tasks.

Both languages have lists of the same lengths and the same shape, so the seeded generator draws the
same numbers for either: a Russian demo has the very amounts, dates and links of the English one,
only in other words. E-mail addresses and web sites stay in Latin letters (`slug`s), as they are in
Russia too, so a demo contact's e-mail passes the card form's check when it is saved.
"""
from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Person:
    """A first name: as written, in Latin letters for e-mail addresses, and whether the surname is feminine."""

    name: str
    slug: str
    feminine: bool = False


@dataclass(frozen=True)
class Word:
    """A company's name word and its Latin form for e-mail addresses and web sites."""

    name: str
    slug: str


@dataclass(frozen=True)
class Words:
    """Everything the demo writes in one language."""

    language: Optional[str]  # the demo users' interface language (None: the browser's choice)
    users: tuple[str, ...]  # the names of demo.DEMO_USERS, in their order
    first_names: tuple[Person, ...]
    last_names: tuple[tuple[str, str], ...]  # (masculine, feminine)
    company_words: tuple[Word, ...]
    company_kinds: tuple[str, ...]
    positions: tuple[Optional[str], ...]
    deal_words: tuple[str, ...]
    tags: tuple[str, ...]
    company_name: str  # str.format with word, kind, number
    customer_name: str  # word, number
    deal_name: str  # word, number
    address: str  # number
    # None: keep the main pipeline init-db made; else (name, open stages) it is renamed to.
    main_pipeline: Optional[tuple[str, tuple[str, ...]]]
    second_pipeline: tuple[str, tuple[str, ...]]
    # None: the closed statuses keep their built-in names (pages translate them); else (won, lost).
    closed: Optional[tuple[str, str]]
    notes: tuple[str, ...]
    tasks: tuple[str, ...]

    def person(self, first, last):
        """A full name: the surname agrees with the first name (Мария Смирнова, not Мария Смирнов)."""
        return f"{first.name} {last[1] if first.feminine else last[0]}"


def _people(names, feminine=()):
    return tuple(Person(name, slug, name in feminine) for name, slug in names)


def _same(names):
    return tuple((name, name) for name in names)


ENGLISH = Words(
    language=None,
    users=("Demo Administrator", "Anna Petrova", "Boris Ivanov", "Clara Smith", "Dmitry Sokolov"),
    first_names=_people((name, name.lower()) for name in (
        "Alexey", "Maria", "Ivan", "Olga", "Sergey", "Elena", "John", "Emma", "Pavel",
        "Irina", "Nikolai", "Sofia", "Peter", "Anna", "Mikhail", "Laura", "Viktor", "Daria")),
    last_names=_same(("Smirnov", "Kuznetsova", "Popov", "Vasileva", "Novikov", "Morozova", "Brown",
                      "Taylor", "Volkov", "Lebedeva", "Kozlov", "Miller", "Orlov", "Fedorova", "Wilson")),
    company_words=tuple(Word(name, name.lower()) for name in (
        "Nord", "Volga", "Alpha", "Delta", "Ural", "Baltic", "Sigma", "Vector", "Orbit",
        "Granite", "Cedar", "Polar", "Aurora", "Atlas", "Neva", "Zenith")),
    company_kinds=("Trading", "Logistics", "Systems", "Foods", "Motors", "Media", "Build", "Pharma"),
    positions=("CEO", "Buyer", "Accountant", "Sales manager", "CTO", "Office manager", None),
    deal_words=("Supply", "Installation", "Licence", "Consulting", "Maintenance", "Upgrade", "Pilot"),
    tags=("vip", "web", "partner", "wholesale", "repeat", "cold", "moscow", "export"),
    company_name="{word} {kind} {number}",
    customer_name="{word} subscription {number}",
    deal_name="{word} #{number}",
    address="{number} Lenina st.",
    main_pipeline=None,
    second_pipeline=("Partners", ("Application", "Onboarding", "Trial")),
    closed=None,
    notes=(
        "Spoke to the buyer: they want the price list by Friday.",
        "The commercial offer with the volume discount is sent.",
        "Meeting at their office on Tuesday at 11:00.",
        "The director agreed; waiting for the signed contract.",
        "They asked for a two-week trial for three users.",
        "The invoice is paid.",
    ),
    tasks=(
        "Call back about the price list",
        "Send the contract for signing",
        "Prepare the commercial offer",
        "Confirm the delivery date",
        "Check that the invoice is paid",
        "Meet at the client's office",
        "Plan next month's calls",
        "Send the catalogue",
    ),
)

RUSSIAN = Words(
    language="ru",
    users=("Демо-администратор", "Анна Петрова", "Борис Иванов", "Клара Смирнова", "Дмитрий Соколов"),
    first_names=_people((
        ("Алексей", "alexey"), ("Мария", "maria"), ("Иван", "ivan"), ("Ольга", "olga"), ("Сергей", "sergey"),
        ("Елена", "elena"), ("Дмитрий", "dmitry"), ("Екатерина", "ekaterina"), ("Павел", "pavel"),
        ("Ирина", "irina"), ("Николай", "nikolai"), ("София", "sofia"), ("Пётр", "petr"), ("Анна", "anna"),
        ("Михаил", "mikhail"), ("Татьяна", "tatiana"), ("Виктор", "viktor"), ("Дарья", "daria"),
    ), feminine={"Мария", "Ольга", "Елена", "Екатерина", "Ирина", "София", "Анна", "Татьяна", "Дарья"}),
    last_names=(
        ("Смирнов", "Смирнова"), ("Кузнецов", "Кузнецова"), ("Попов", "Попова"), ("Васильев", "Васильева"),
        ("Новиков", "Новикова"), ("Морозов", "Морозова"), ("Соколов", "Соколова"), ("Лебедев", "Лебедева"),
        ("Волков", "Волкова"), ("Козлов", "Козлова"), ("Орлов", "Орлова"), ("Фёдоров", "Фёдорова"),
        ("Егоров", "Егорова"), ("Павлов", "Павлова"), ("Зайцев", "Зайцева"),
    ),
    company_words=tuple(Word(name, slug) for name, slug in (
        ("Ромашка", "romashka"), ("Волга", "volga"), ("Альфа", "alfa"), ("Дельта", "delta"), ("Урал", "ural"),
        ("Балтика", "baltika"), ("Сигма", "sigma"), ("Вектор", "vector"), ("Орбита", "orbita"),
        ("Гранит", "granit"), ("Кедр", "kedr"), ("Полюс", "polus"), ("Заря", "zarya"), ("Атлант", "atlant"),
        ("Нева", "neva"), ("Зенит", "zenit"),
    )),
    company_kinds=("ООО", "АО", "ПАО", "ЗАО", "ТД", "ГК", "НПО", "ТК"),
    positions=("Генеральный директор", "Закупщик", "Бухгалтер", "Менеджер по продажам", "Технический директор",
               "Офис-менеджер", None),
    deal_words=("Поставка", "Монтаж", "Лицензия", "Консалтинг", "Обслуживание", "Модернизация", "Пилотный проект"),
    tags=("ВИП", "Сайт", "Партнёр", "Опт", "Повторный", "Холодный", "Москва", "Экспорт"),
    company_name="{kind} «{word}-{number}»",
    customer_name="Абонемент «{word}» {number}",
    deal_name="{word} №{number}",
    address="ул. Ленина, д. {number}",
    main_pipeline=("Воронка продаж", ("Первичный контакт", "Переговоры", "Принимают решение",
                                      "Согласование договора")),
    second_pipeline=("Партнёры", ("Заявка", "Подключение", "Пробный период")),
    closed=("Успешно реализовано", "Закрыто и не реализовано"),
    notes=(
        "Созвонились с закупщиком: ждут прайс-лист до пятницы.",
        "Коммерческое предложение со скидкой за объём отправлено.",
        "Встреча у них в офисе во вторник в 11:00.",
        "Директор согласовал, ждём подписанный договор.",
        "Просят пробный период на две недели для трёх пользователей.",
        "Счёт оплачен.",
    ),
    tasks=(
        "Перезвонить по прайс-листу",
        "Отправить договор на подпись",
        "Подготовить коммерческое предложение",
        "Подтвердить дату поставки",
        "Проверить оплату счёта",
        "Встреча в офисе клиента",
        "Спланировать звонки на следующий месяц",
        "Отправить каталог",
    ),
)

LANGUAGES = {"en": ENGLISH, "ru": RUSSIAN}
