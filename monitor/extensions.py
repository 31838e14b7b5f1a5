"""Extension objects, created without an app and bound in the factory."""
from flask_babel import Babel
from flask_login import LoginManager
from flask_mail import Mail
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
mail = Mail()
babel = Babel()
